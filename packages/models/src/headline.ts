import type { ModelCard } from "@lockstep/onnx";

/** One comparison: a value beside what it is measured against. */
export interface HeadlineFigure {
  label: string;
  value: number;
}

/**
 * A pinned metric as a reader should see it first: in its unit, beside the baselines the same
 * evaluation computed ("MAPE 0.100% vs seasonal naive with drift 0.133%").
 */
export interface Headline extends HeadlineFigure {
  /** The metric in the card and pin this line shows. */
  metric: string;
  /** "%" when the value is a percentage (fractions are scaled when read), "" for a plain number. */
  unit: "%" | "";
  baselines: HeadlineFigure[];
}

/** A card's metric, or undefined when it is absent or not a finite number. */
export function cardMetric(card: Pick<ModelCard, "metrics">, name: string): number | undefined {
  const value = card.metrics?.[name];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The baselines a card's evaluation lists as `{name, <field>}` rows, those with a finite value. */
export function evaluationBaselines(card: ModelCard, field: string): HeadlineFigure[] {
  const rows = (card.evaluation as { baselines?: unknown } | undefined)?.baselines;
  if (!Array.isArray(rows)) return [];
  return rows.flatMap((row: Record<string, unknown>) =>
    typeof row?.name === "string" && typeof row[field] === "number" && Number.isFinite(row[field])
      ? [{ label: row.name, value: row[field] as number }]
      : [],
  );
}

/** Significant digits that keep baselines of the same scale distinguishable. */
function figure(value: number, unit: Headline["unit"]): string {
  const text = Math.abs(value) >= 100 ? value.toFixed(1) : value.toPrecision(3);
  return unit === "%" ? `${text}%` : text;
}

/** One line: "MAPE 0.100% vs seasonal naive with drift 0.133% vs local trend 0.126%". */
export function formatHeadline(line: Headline): string {
  return [
    `${line.label} ${figure(line.value, line.unit)}`,
    ...line.baselines.map((b) => `${b.label} ${figure(b.value, line.unit)}`),
  ].join(" vs ");
}

/** Headline lines with their values read off the card; a line whose value is missing is left out. */
export function headlineOf(
  card: ModelCard,
  lines: {
    metric: string;
    label: string;
    unit?: Headline["unit"];
    scale?: number;
    baselines: HeadlineFigure[];
  }[],
): Headline[] {
  return lines.flatMap(({ metric, label, unit = "", scale = 1, baselines }) => {
    const value = cardMetric(card, metric);
    if (value === undefined) return [];
    return [
      {
        metric,
        label,
        value: value * scale,
        unit,
        baselines: baselines.map((b) => ({ label: b.label, value: b.value * scale })),
      },
    ];
  });
}
