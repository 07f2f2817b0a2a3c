import { spawn } from "node:child_process";
import * as core from "@actions/core";
import { jobIamToken } from "../../shared/yc-token.js";

const REGISTRY = /^[a-z0-9.-]+(:\d+)?$/;

/** `docker login` with the password on stdin, never on the command line. */
function dockerLogin(registry: string, token: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", ["login", "--username", "iam", "--password-stdin", registry], {
      env,
      stdio: ["pipe", "inherit", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (error) => reject(new Error(`cannot run docker: ${error.message}`)));
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`docker login ${registry} failed (${code}): ${stderr.trim().slice(-500)}`)),
    );
    child.stdin.end(token);
  });
}

/** Reads the inputs, exchanges the job's OIDC token for an IAM token, logs docker in. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const serviceAccountId = core.getInput("service-account-id", { required: true }).trim();
    const registry = core.getInput("registry") || "cr.yandex";
    if (!REGISTRY.test(registry))
      throw new Error(`registry must be a host name like cr.yandex, got ${JSON.stringify(registry)}`);
    const { token, expiresIn } = await jobIamToken(serviceAccountId, {
      audience: core.getInput("audience"),
      env,
    });
    await dockerLogin(registry, token, env);
    core.setOutput("expires-in", String(expiresIn));
    core.info(
      `logged in to ${registry} as service account ${serviceAccountId} for ${Math.round(expiresIn / 60)} min`,
    );
  } catch (error) {
    core.setFailed((error as Error).message);
  }
}
