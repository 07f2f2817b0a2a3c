/** Small, dependency-free SVG charts for training reports (rendered by GitHub and browsers). */

export interface LineSeries {
  name: string;
  points: { x: number; y: number }[];
  color: string;
  dashed?: boolean;
}

export interface Band {
  name: string;
  points: { x: number; lower: number; upper: number }[];
  color: string;
}

const WIDTH = 720;
const HEIGHT = 320;
const PAD = { left: 64, right: 16, top: 28, bottom: 40 };

const escape = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
const n = (v: number) => (Math.round(v * 10) / 10).toString();

/** Round tick values covering [min, max]. */
function ticks(min: number, max: number, count = 5): number[] {
  const span = max - min || Math.abs(max) || 1;
  const step0 = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * A line chart with optional shaded bands. `formatX` labels the x ticks (e.g. epoch ms as dates).
 */
export function lineChart(options: {
  title: string;
  series: LineSeries[];
  bands?: Band[];
  yLabel?: string;
  formatX?: (x: number) => string;
  formatY?: (y: number) => string;
}): string {
  const xs = [
    ...options.series.flatMap((s) => s.points.map((p) => p.x)),
    ...(options.bands ?? []).flatMap((b) => b.points.map((p) => p.x)),
  ];
  const ys = [
    ...options.series.flatMap((s) => s.points.map((p) => p.y)),
    ...(options.bands ?? []).flatMap((b) => b.points.flatMap((p) => [p.lower, p.upper])),
  ].filter(Number.isFinite);
  if (xs.length === 0 || ys.length === 0) return "";
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const yPad = (y1 - y0 || 1) * 0.05;
  const [lo, hi] = [y0 - yPad, y1 + yPad];
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (WIDTH - PAD.left - PAD.right);
  const sy = (y: number) => HEIGHT - PAD.bottom - ((y - lo) / (hi - lo)) * (HEIGHT - PAD.top - PAD.bottom);
  const fx = options.formatX ?? ((x: number) => String(x));
  const fy = options.formatY ?? ((y: number) => String(y));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${PAD.left}" y="18" font-size="13" font-weight="bold">${escape(options.title)}</text>`,
  ];
  for (const t of ticks(lo, hi)) {
    parts.push(
      `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${n(sy(t))}" y2="${n(sy(t))}" stroke="#e5e5e5"/>`,
      `<text x="${PAD.left - 6}" y="${n(sy(t) + 4)}" text-anchor="end">${escape(fy(t))}</text>`,
    );
  }
  for (const t of ticks(x0, x1, 6)) {
    parts.push(
      `<text x="${n(sx(t))}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${escape(fx(t))}</text>`,
    );
  }
  if (options.yLabel) {
    parts.push(
      `<text transform="translate(14 ${HEIGHT / 2}) rotate(-90)" text-anchor="middle">${escape(options.yLabel)}</text>`,
    );
  }
  for (const band of options.bands ?? []) {
    const upper = band.points.map((p) => `${n(sx(p.x))},${n(sy(p.upper))}`);
    const lower = [...band.points].reverse().map((p) => `${n(sx(p.x))},${n(sy(p.lower))}`);
    parts.push(
      `<polygon points="${[...upper, ...lower].join(" ")}" fill="${band.color}" fill-opacity="0.25" stroke="none"/>`,
    );
  }
  for (const s of options.series) {
    const points = s.points.filter((p) => Number.isFinite(p.y)).map((p) => `${n(sx(p.x))},${n(sy(p.y))}`);
    parts.push(
      `<polyline points="${points.join(" ")}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="5 3"' : ""}/>`,
    );
  }
  const legend = [
    ...(options.bands ?? []).map((b) => ({ name: b.name, color: b.color })),
    ...options.series,
  ].filter((item) => item.name !== "");
  legend.forEach((item, i) => {
    const x = WIDTH - PAD.right - 170;
    const y = PAD.top + 6 + i * 15;
    parts.push(
      `<rect x="${x}" y="${y - 8}" width="10" height="10" fill="${item.color}"/>`,
      `<text x="${x + 15}" y="${y + 1}">${escape(item.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** A confusion matrix as a heat map: rows are true classes, columns predicted. */
export function confusionChart(title: string, labels: readonly string[], matrix: number[][]): string {
  const k = labels.length;
  const cell = Math.max(18, Math.min(60, Math.floor(480 / k)));
  const left = 150;
  const top = 60;
  const width = left + cell * k + 20;
  const height = top + cell * k + 20;
  const max = Math.max(1, ...matrix.flat());
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="${cell < 30 ? 9 : 11}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="8" y="18" font-size="13" font-weight="bold">${escape(title)}</text>`,
    `<text x="${left}" y="${top - 24}">predicted →</text>`,
    `<text x="8" y="${top - 6}">true ↓</text>`,
  ];
  labels.forEach((label, i) => {
    parts.push(
      `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${escape(label)}</text>`,
    );
    parts.push(
      `<text transform="translate(${left + i * cell + cell / 2} ${top - 4}) rotate(-45)">${escape(label.slice(0, 14))}</text>`,
    );
  });
  matrix.forEach((row, i) =>
    row.forEach((v, j) => {
      const shade = Math.round(255 - (v / max) * 200);
      parts.push(
        `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="white"/>`,
        `<text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle">${v}</text>`,
      );
    }),
  );
  parts.push("</svg>");
  return parts.join("\n");
}
