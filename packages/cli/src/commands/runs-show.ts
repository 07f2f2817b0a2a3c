// `lockstep runs show`: one run's record as a table (its params, metrics and timings below), as
// JSON, or its report.
import { findRun, type RunRecord } from "@lockstep/runs";
import { EXIT } from "../errors.js";
import { table, type Output } from "../output.js";
import { guarded, runStore, type StoreOptions } from "./runs-store.js";

function renderRecord(record: RunRecord): string {
  const lines: string[][] = [
    ["run", `${record.model}/${record.id}`],
    ["kind", record.kind],
    ["created", record.createdAt],
    ["env", record.environment ?? "-"],
    [
      "gate",
      `${record.gate.better ? "passes" : "does not pass"}: ${record.gate.reason}` +
        (record.gate.against
          ? ` (against v${record.gate.against.version} ${record.gate.against.sha256.slice(0, 12)})`
          : ""),
    ],
    ["artifact", `${record.artifact.uri} (${record.artifact.bytes} bytes)`],
    [
      "data",
      `${record.data.uri} (sha256 ${record.data.sha256.slice(0, 12)}${record.data.rows !== undefined ? `, ${record.data.rows} rows` : ""})`,
    ],
  ];
  const snapshot = record.data.snapshot;
  if (snapshot)
    lines.push([
      "snapshot",
      "skipped" in snapshot ? `skipped: ${snapshot.skipped}` : `${snapshot.uri} (${snapshot.bytes} bytes)`,
    ]);
  lines.push(
    ["commit", record.source.commit ?? "-"],
    ["run url", record.source.runUrl ?? "-"],
    ["runner", record.source.runner ?? "-"],
    ["trainer", record.trainer ? `${record.trainer.name} ${record.trainer.version}` : "-"],
    ["report", record.report?.uri ?? (record.report?.markdown ? "inline (--report prints it)" : "-")],
  );
  const values = (title: string, entries: Record<string, unknown> | undefined) =>
    entries && Object.keys(entries).length > 0
      ? `\n${title}\n${table([["name", "value"], ...Object.entries(entries).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])]).replace(/^/gm, "  ")}`
      : "";
  return (
    table(lines) +
    values("params (asked)", record.params.asked) +
    values("params (chosen by training)", record.params.chosen) +
    values("metrics", record.metrics) +
    values("timings (s)", record.timings)
  );
}

export async function runsShow(
  id: string,
  options: StoreOptions & { json?: boolean; report?: boolean },
  out: Output,
): Promise<number> {
  return guarded(async () => {
    const record = await findRun(runStore(options).store, id);
    if (options.json) out.json(record);
    else if (options.report) {
      if (record.report?.markdown) out.result(record.report.markdown);
      else if (record.report?.uri) out.result(`the report is stored at ${record.report.uri}`);
      else out.result("this run has no report");
    } else out.result(renderRecord(record));
    return EXIT.ok;
  });
}
