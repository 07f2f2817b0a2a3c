import type { GitHubClient } from "./client.js";
import { LockstepGitHubError } from "./errors.js";

/** GitHub refuses pull request bodies longer than this many characters. */
export const MAX_PULL_REQUEST_BODY = 65_536;

/** A section's name: what its markers carry (lowercase words joined by hyphens). */
const SECTION_NAME = /^[a-z][a-z0-9-]{0,39}$/;

export const sectionStart = (name: string) => `<!-- lockstep-section:${name} -->`;
export const sectionEnd = (name: string) => `<!-- /lockstep-section:${name} -->`;

/** `markdown` between the section's markers (nothing at all when it is empty). */
export function wrapSection(name: string, markdown: string): string {
  checkName(name);
  const text = markdown.trim();
  return text ? `${sectionStart(name)}\n${text}\n${sectionEnd(name)}` : "";
}

function checkName(name: string): void {
  if (!SECTION_NAME.test(name))
    throw new LockstepGitHubError(
      "SECTION_NAME",
      `a section's name is lowercase words joined by hyphens (at most 40 characters), got "${name.slice(0, 40)}"`,
    );
}

/**
 * `body` with the named section set to `markdown`: replaced between its markers where it is,
 * appended where it is not, removed when `markdown` is empty. A section that would take the body
 * past GitHub's limit is cut, with a line saying so. Text of the markdown that looks like the
 * section's own markers is defused, so what a later run replaces is exactly what this one wrote.
 */
export function withSection(
  body: string,
  name: string,
  markdown: string,
  limit = MAX_PULL_REQUEST_BODY,
): string {
  checkName(name);
  const start = sectionStart(name);
  const end = sectionEnd(name);
  const from = body.indexOf(start);
  const to = from >= 0 ? body.indexOf(end, from) : -1;
  // a start marker whose end someone deleted: drop the marker, keep their text, append anew
  if (from >= 0 && to < 0) body = body.replace(start, "");
  const [before, after] = to >= 0 ? [body.slice(0, from), body.slice(to + end.length)] : [body, ""];
  const text = markdown
    .replaceAll(`<!-- lockstep-section:`, "<!-- lockstep-section​:")
    .replaceAll(`<!-- /lockstep-section:`, "<!-- /lockstep-section​:");
  const head = before.trimEnd();
  const tail = after.trim();
  const joined = (section: string) =>
    section || tail ? `${[head, section, tail].filter((part) => part).join("\n\n")}\n` : head;
  let section = wrapSection(name, text);
  if (section && joined(section).length > limit) {
    const cut = `… cut here: the rest would take the pull request body past GitHub's limit of ${limit} characters; the workflow run's summary has all of it.`;
    const room = limit - (joined(wrapSection(name, `.\n\n${cut}`)).length - 1);
    const kept = text.trim().slice(0, Math.max(0, room)).trimEnd();
    section = room > 0 ? wrapSection(name, `${kept}\n\n${cut}`) : "";
  }
  return joined(section);
}

export interface SectionOutcome {
  action: "updated" | "unchanged" | "removed" | "closed";
  number: number;
  url: string;
}

/**
 * Sets one named section of an open pull request's body (see withSection) and leaves the rest of
 * it, written by people or by another job, as it is. Writes nothing when the section already reads so.
 */
export async function upsertPullRequestSection(
  client: GitHubClient,
  number: number,
  name: string,
  markdown: string,
): Promise<SectionOutcome> {
  checkName(name);
  const pull = await client.pullRequest(number);
  const result = { number: pull.number, url: pull.html_url };
  // a pull request closed while its checks ran keeps the body it was closed with
  if (pull.state !== "open") return { action: "closed", ...result };
  const body = pull.body ?? "";
  const next = withSection(body, name, markdown);
  if (next.trimEnd() === body.trimEnd()) return { action: "unchanged", ...result };
  await client.updatePullRequest(number, { body: next });
  return { action: markdown.trim() ? "updated" : "removed", ...result };
}
