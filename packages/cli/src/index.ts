export { run, type RunResult } from "./program.js";
export { consoleOutput, type Output } from "./output.js";
export { EXIT, CliError } from "./errors.js";
export { train, type TrainOptions, type TrainOutcome } from "./commands/train.js";
export { verify, type VerifyCommandOptions } from "./commands/verify.js";
export { revisionExists } from "./git.js";
export { parseParamsJson } from "./params.js";
export { monitor, parseSince, type MonitorCommandOptions } from "./commands/monitor.js";
export { watch, type WatchOptions, type WatchOutcome } from "./commands/watch.js";
export { lockValidate } from "./commands/lock.js";
export { readLockRef } from "./lock-io.js";
export { render, type RenderCommandOptions } from "./commands/render.js";
export {
  gatherEvidence,
  latestReportOf,
  promotionEvidence,
  requirementChecks,
  type EvidenceOptions,
} from "./promotion-evidence.js";
