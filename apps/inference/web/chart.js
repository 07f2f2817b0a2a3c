// The CO2 chart: observed history, the forecast and its interval band, with units, a legend and
// axis labels spaced so they never overlap.
const NS = "http://www.w3.org/2000/svg";
export const svgEl = (tag, attrs, content) => {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (content !== undefined) el.textContent = content;
  return el;
};

export function monthIndex(label) {
  const [y, m] = label.split("-").map(Number);
  return y * 12 + m - 1;
}

const monthLabel = (x) => `${Math.floor(x / 12)}-${String((x % 12) + 1).padStart(2, "0")}`;

/** Ticks at whole years, as many as fit `width` pixels with `gap` pixels between labels. */
function yearTicks(x0, x1, width, gap) {
  const years = Math.max(1, (x1 - x0) / 12);
  const fit = Math.max(1, Math.floor(width / gap));
  const step = [1, 2, 5, 10, 20, 50].find((s) => years / s <= fit) ?? 100;
  const ticks = [];
  for (let y = Math.ceil(x0 / 12 / step) * step; y * 12 <= x1; y += step) ticks.push(y * 12);
  return ticks;
}

/** history: ppm values ending at lastMonth; forecast: [{month, value, lower, upper}]. */
export function forecastChart({ history, lastMonth, forecast, unit = "ppm", level = 0.9 }) {
  const recent = history.slice(-120);
  const end = monthIndex(lastMonth);
  const points = recent.map((v, i) => ({ x: end - recent.length + 1 + i, y: v }));
  const future = forecast.map((f) => ({ x: monthIndex(f.month), y: f.value, lo: f.lower, hi: f.upper }));
  const xs = [...points, ...future].map((p) => p.x);
  const ys = [...points.map((p) => p.y), ...future.flatMap((p) => [p.lo, p.hi])];
  const [w, h] = [900, 320];
  const pad = { left: 64, right: 16, top: 36, bottom: 44 };
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  const margin = Math.max(0.5, (yMax - yMin) * 0.05);
  const [y0, y1] = [yMin - margin, yMax + margin];
  const sx = (x) => pad.left + ((x - x0) / Math.max(1, x1 - x0)) * (w - pad.left - pad.right);
  const sy = (y) => h - pad.bottom - ((y - y0) / (y1 - y0)) * (h - pad.top - pad.bottom);
  const svg = svgEl("svg", {
    viewBox: `0 0 ${w} ${h}`,
    width: "100%",
    role: "img",
    "aria-label": `${unit} history and forecast to ${forecast.at(-1).month}`,
    "data-testid": "forecast-chart",
  });
  // axes and grid
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    svg.append(svgEl("line", { x1: pad.left, x2: w - pad.right, y1: sy(y), y2: sy(y), stroke: "#e8ebf0" }));
    svg.append(svgEl("text", { x: pad.left - 6, y: sy(y) + 4, "text-anchor": "end" }, y.toFixed(1)));
  }
  svg.append(
    svgEl(
      "text",
      {
        x: 14,
        y: (pad.top + h - pad.bottom) / 2,
        transform: `rotate(-90 14 ${(pad.top + h - pad.bottom) / 2})`,
        "text-anchor": "middle",
      },
      `CO2 (${unit})`,
    ),
  );
  const ticks = yearTicks(x0, x1, w - pad.left - pad.right, 70);
  for (const x of ticks) {
    svg.append(
      svgEl("line", { x1: sx(x), x2: sx(x), y1: h - pad.bottom, y2: h - pad.bottom + 5, stroke: "#8a93a3" }),
    );
    svg.append(
      svgEl(
        "text",
        { x: sx(x), y: h - pad.bottom + 18, "text-anchor": "middle", "data-testid": "x-tick" },
        String(x / 12),
      ),
    );
  }
  svg.append(
    svgEl("text", { x: (pad.left + w - pad.right) / 2, y: h - 6, "text-anchor": "middle" }, "month"),
  );
  // the interval band, then the lines
  const band = [
    ...future.map((p) => `${sx(p.x)},${sy(p.hi)}`),
    ...[...future].reverse().map((p) => `${sx(p.x)},${sy(p.lo)}`),
  ];
  if (future.length === 1) {
    // one month: a visible whisker instead of a zero-width band
    const p = future[0];
    band.splice(
      0,
      band.length,
      `${sx(p.x) - 4},${sy(p.hi)}`,
      `${sx(p.x) + 4},${sy(p.hi)}`,
      `${sx(p.x) + 4},${sy(p.lo)}`,
      `${sx(p.x) - 4},${sy(p.lo)}`,
    );
  }
  svg.append(
    svgEl("polygon", {
      points: band.join(" "),
      fill: "#3b6fd8",
      "fill-opacity": 0.25,
      stroke: "#3b6fd8",
      "stroke-opacity": 0.4,
      "data-testid": "interval",
    }),
  );
  const line = (ps, color, id, dash) =>
    svgEl("polyline", {
      points: ps.map((p) => `${sx(p.x)},${sy(p.y)}`).join(" "),
      fill: "none",
      stroke: color,
      "stroke-width": 2,
      ...(dash ? { "stroke-dasharray": dash } : {}),
      "data-testid": id,
    });
  svg.append(
    line(points, "#1d2330", "history"),
    line([points.at(-1), ...future], "#3b6fd8", "forecast", "6 3"),
  );
  // legend
  const legend = [
    ["history", "#1d2330", `observed to ${monthLabel(end)}`],
    ["forecast", "#3b6fd8", `forecast to ${forecast.at(-1).month}`],
    ["interval", "#3b6fd8", `${Math.round(level * 100)}% interval`],
  ];
  legend.forEach(([kind, color, label], i) => {
    const x = pad.left + i * 230;
    svg.append(
      kind === "interval"
        ? svgEl("rect", { x, y: 10, width: 22, height: 12, fill: color, "fill-opacity": 0.25 })
        : svgEl("line", {
            x1: x,
            x2: x + 22,
            y1: 16,
            y2: 16,
            stroke: color,
            "stroke-width": 2,
            ...(kind === "forecast" ? { "stroke-dasharray": "6 3" } : {}),
          }),
    );
    svg.append(svgEl("text", { x: x + 28, y: 20, "data-testid": "legend" }, label));
  });
  return svg;
}

/**
 * Monthly values from a CSV a person would have: a header, then rows whose first column is the
 * month (YYYY-MM or a date) and whose next numeric column is the value; blank or -99.99 rows skipped.
 */
export function parseMonthlyCsv(text) {
  const rows = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const values = [];
  let lastMonth;
  for (const row of rows) {
    const cells = row.split(/[,;\t]/).map((c) => c.trim().replace(/^"|"$/g, ""));
    const month = /^(\d{4})-(\d{2})/.exec(cells[0] ?? "");
    const value = cells
      .slice(1)
      .map(Number)
      .find((v) => Number.isFinite(v) && v > 0);
    if (!month || value === undefined) continue;
    values.push(value);
    lastMonth = `${month[1]}-${month[2]}`;
  }
  if (values.length === 0) throw new Error("no rows like 2021-06,417.2 in that file");
  return { history: values, lastMonth };
}
