import type { Pin } from "@lockstep/lockfile";
import { replayAgainstPin, type ReplayPinOptions } from "./replay-pin.js";
import { replayMarkdown } from "./report.js";

export type ReplaySectionOptions = Omit<ReplayPinOptions, "candidate" | "pin" | "lock"> & {
  candidate: Pin;
  current: Pin | undefined;
};

/**
 * The pull request's shadow replay section (propose, verify-models): the candidate against the
 * current pin over the sample. A replay that cannot run (no pin yet, an empty sample, an artifact
 * that does not verify) is said in the section: it informs the review, it does not block a proposal.
 */
export async function replaySection(options: ReplaySectionOptions): Promise<string> {
  const heading = "### Shadow replay";
  if (!options.current)
    return `${heading}\n\nThe first pin of ${options.model} in \`${options.environment}\`: there is no pin to replay against.`;
  try {
    const report = await replayAgainstPin({ ...options, pin: options.current, candidate: options.candidate });
    return replayMarkdown(report, 3);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return `${heading}\n\n⚠️ The replay could not run${typeof code === "string" ? ` (${code})` : ""}: ${(error as Error).message.replace(/\s+/g, " ").slice(0, 500)}`;
  }
}
