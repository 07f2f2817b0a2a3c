import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { FakeGitHub } from "@lockstep/github/testing";

export const exec = promisify(execFile);
export const git = async (cwd: string, ...args: string[]) =>
  (
    await exec("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd })
  ).stdout.trim();

export interface ActionRun {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  /** What the action exported for later steps (GITHUB_ENV) and saved for its post step (GITHUB_STATE). */
  exported: Record<string, string>;
  state: Record<string, string>;
}

/** A runner command file: name<<delimiter ... delimiter blocks. */
function commandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^(.+?)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm)) out[m[1]!] = m[3]!;
  return out;
}

/** What the runner would hand the action, and what the action wrote back. */
export async function runAction(
  action: string,
  work: string,
  repo: string,
  github: FakeGitHub | undefined,
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
): Promise<ActionRun> {
  const dir = await mkdtemp(join(work, "run-"));
  const output = join(dir, "output");
  const summary = join(dir, "summary");
  const event = join(dir, "event.json");
  const exported = join(dir, "env");
  const state = join(dir, "state");
  await Promise.all([
    writeFile(output, ""),
    writeFile(summary, ""),
    writeFile(exported, ""),
    writeFile(state, ""),
    writeFile(event, '{"inputs": {}}'),
  ]);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_ENV: exported,
    GITHUB_STATE: state,
    GITHUB_EVENT_PATH: event,
    GITHUB_REPOSITORY: "acme/models",
    GITHUB_API_URL: github?.url ?? "http://127.0.0.1:9",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_RUN_ID: "42",
    GITHUB_WORKSPACE: repo,
    ...extraEnv,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
  const child = await exec(process.execPath, [action], { cwd: repo, env }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
  return {
    ...child,
    outputs: commandFile(await readFile(output, "utf8")),
    summary: await readFile(summary, "utf8"),
    exported: commandFile(await readFile(exported, "utf8")),
    state: commandFile(await readFile(state, "utf8")),
  };
}

/** A bare origin with one commit on main, and a clone of it with origin as its remote. */
export async function repository(work: string): Promise<{ origin: string; clone: string }> {
  const dir = await mkdtemp(join(work, "repo-"));
  const origin = join(dir, "origin.git");
  const clone = join(dir, "clone");
  await exec("git", ["init", "-q", "--bare", "--initial-branch=main", origin]);
  await exec("git", ["init", "-q", "--initial-branch=main", clone]);
  await writeFile(join(clone, "README.md"), "models\n");
  await git(clone, "add", ".");
  await git(clone, "commit", "-q", "-m", "seed");
  await git(clone, "remote", "add", "origin", origin);
  await git(clone, "push", "-q", "origin", "main");
  return { origin, clone };
}
