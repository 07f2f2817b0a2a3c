import { createHash } from "node:crypto";
import { ModelError } from "../errors.js";
import { monthIndex, monthLabel } from "./months.js";

/** A gap-free monthly series: value i is for month start + i. */
export interface MonthlySeries {
  source: string;
  start: string;
  values: number[];
  /** Months that were missing in the source and filled by linear interpolation. */
  filled: string[];
}

export const MAX_ROWS = 100_000;
/** A longer run of missing months is not interpolated: the data is too broken to forecast from. */
export const MAX_GAP_MONTHS = 12;

const fail = (message: string): never => {
  throw new ModelError("DATA_INVALID", message);
};

function splitCsvLine(line: string): string[] {
  return line.split(",").map((cell) => cell.trim().replace(/^"(.*)"$/, "$1"));
}

interface RawPoint {
  month: number;
  value: number | undefined;
  line: number;
}

/**
 * Parses monthly CO2 CSV in either shape:
 * - Scripps / vega-datasets: `Date,CO2,adjusted CO2` with dates YYYY-MM-DD or YYYY-MM;
 * - NOAA GML co2_mm_mlo.csv: `#` comment lines, then `year,month,decimal date,average,...`,
 *   missing values as -99.99 / -9.99.
 * Missing months (absent rows or missing values) are filled by linear interpolation.
 */
export function parseCo2Csv(text: string, source: string): MonthlySeries {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const rows: { cells: string[]; line: number }[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line !== "" && !line.startsWith("#")) rows.push({ cells: splitCsvLine(line), line: i + 1 });
  });
  if (rows.length < 2) fail(`${source}: no data rows (expected a CSV header and monthly rows)`);
  if (rows.length > MAX_ROWS + 1) fail(`${source}: more than ${MAX_ROWS} rows`);
  const header = rows[0]!.cells.map((h) => h.toLowerCase());
  const col = (...names: string[]) => header.findIndex((h) => names.includes(h));
  const year = col("year");
  const month = col("month");
  const date = col("date");
  const valueCol =
    year >= 0 && month >= 0
      ? col("average", "monthly_average", "value", "co2")
      : col("co2", "value", "average");
  if (valueCol < 0 || ((year < 0 || month < 0) && date < 0)) {
    fail(
      `${source}: unrecognised header "${rows[0]!.cells.join(",")}"; expected "Date,CO2,..." (Scripps/vega) ` +
        `or "year,month,decimal date,average,..." (NOAA co2_mm_mlo.csv)`,
    );
  }
  const points: RawPoint[] = rows.slice(1).map(({ cells, line }) => {
    let index: number;
    try {
      if (year >= 0 && month >= 0) {
        const y = Number(cells[year]);
        const m = Number(cells[month]);
        if (!Number.isInteger(y) || !Number.isInteger(m)) throw new RangeError("bad year or month");
        index = monthIndex(`${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}`);
      } else {
        index = monthIndex((cells[date] ?? "").slice(0, 7));
      }
    } catch {
      return fail(`${source} line ${line}: cannot read the month from "${cells.join(",")}"`);
    }
    const cell = cells[valueCol] ?? "";
    const value = Number(cell);
    const missing = cell === "" || /^(na|nan|null)$/i.test(cell) || (Number.isFinite(value) && value < 0);
    if (!missing && (!Number.isFinite(value) || value > 10_000)) {
      fail(
        `${source} line ${line}: value ${JSON.stringify(cell)} is not a plausible CO2 concentration in ppm`,
      );
    }
    return { month: index, value: missing ? undefined : value, line };
  });
  return fillGaps(points, source);
}

function fillGaps(points: RawPoint[], source: string): MonthlySeries {
  const known = points.filter((p) => p.value !== undefined);
  if (known.length < 2) fail(`${source}: fewer than two months with values`);
  for (let i = 1; i < points.length; i++) {
    if (points[i]!.month <= points[i - 1]!.month) {
      fail(
        `${source} line ${points[i]!.line}: month ${monthLabel(points[i]!.month)} is out of order or repeated`,
      );
    }
  }
  const first = known[0]!;
  const last = known[known.length - 1]!;
  const values: number[] = [];
  const filled: string[] = [];
  let k = 0;
  for (let m = first.month; m <= last.month; m++) {
    while (known[k]!.month < m) k++;
    const next = known[k]!;
    if (next.month === m) {
      values.push(next.value!);
      continue;
    }
    const prev = known[k - 1]!;
    const gap = next.month - prev.month - 1;
    if (gap > MAX_GAP_MONTHS) {
      fail(
        `${source}: ${gap} consecutive months missing after ${monthLabel(prev.month)} (at most ${MAX_GAP_MONTHS} are filled)`,
      );
    }
    const t = (m - prev.month) / (next.month - prev.month);
    values.push(Math.round((prev.value! + t * (next.value! - prev.value!)) * 1e4) / 1e4);
    filled.push(monthLabel(m));
  }
  return { source, start: monthLabel(first.month), values, filled };
}

/** SHA-256 of the normalised series: equal data gives an equal fingerprint, whatever its CSV shape. */
export function seriesSha256(series: MonthlySeries): string {
  return createHash("sha256")
    .update(JSON.stringify({ start: series.start, values: series.values }))
    .digest("hex");
}
