import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { TrainedModel } from "./spec.js";

/** How a report links a chart before the report's file name is known. */
export const assetLink = (name: string) => `lockstep-asset:${name}`;

const SAFE_ASSET = /^[\w.-]{1,64}$/;

/**
 * Writes the Markdown report at `reportPath` and each chart beside it as `<report>-<name>`,
 * rewriting the report's asset links to those relative file names. Returns every path written.
 */
export async function writeReport(
  reportPath: string,
  trained: Pick<TrainedModel, "report" | "assets">,
): Promise<string[]> {
  await mkdir(dirname(reportPath), { recursive: true });
  const stem = basename(reportPath).replace(/\.md$/i, "");
  const written: string[] = [];
  let report = trained.report;
  for (const [name, content] of Object.entries(trained.assets ?? {})) {
    if (!SAFE_ASSET.test(name))
      throw new Error(`report asset name ${JSON.stringify(name)} is not a plain file name`);
    const file = `${stem}-${name}`;
    await writeFile(join(dirname(reportPath), file), content);
    written.push(join(dirname(reportPath), file));
    report = report.split(assetLink(name)).join(file);
  }
  await writeFile(reportPath, report);
  return [reportPath, ...written];
}

/** The Markdown table of training phases and their seconds. */
export const timingsTable = (timings: Record<string, number>): string[] => [
  `| phase | seconds |`,
  `| --- | ---: |`,
  ...Object.entries(timings).map(([k, v]) => `| ${k} | ${v.toFixed(2)} |`),
];
