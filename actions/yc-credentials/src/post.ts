import * as core from "@actions/core";
import { deleteAccessKey } from "./access-keys.js";

/** The post step: deletes the job's state access key, so no key outlives the job. */
export async function post(): Promise<void> {
  const id = core.getState("access-key-id");
  if (!id) return;
  try {
    await deleteAccessKey(core.getState("token"), id, core.getState("iam-url") || undefined);
    core.info(`deleted access key ${id}`);
  } catch (error) {
    // the key stays: say so loudly, with what to run
    core.warning(`${(error as Error).message}; delete it by hand: yc iam access-key delete ${id}`);
  }
}
