// The Runs view: a model's training runs as a sortable, filterable table and its gate metric over
// time, pinned runs marked and the served pin highlighted; each run's report one click away.
import { svgEl } from "/chart.js";

const el = (tag, content, attrs = {}) => {
  const node = document.createElement(tag);
  if (content !== undefined) node.textContent = content;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
};

const CONDITION = /^\s*([A-Za-z0-9_.:-]+)\s*(<=|>=|!=|<|>|=)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;
const TESTS = {
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
  "=": (a, b) => a === b,
  "!=": (a, b) => a !== b,
};

/** `mape_h12<0.11` keeps runs whose metric holds; any other text is looked for in id, kind, environments, commit. */
export function runFilter(text) {
  const condition = CONDITION.exec(text);
  if (condition) {
    const [, metric, op, value] = condition;
    return (run) => typeof run.metrics[metric] === "number" && TESTS[op](run.metrics[metric], Number(value));
  }
  const needle = text.trim().toLowerCase();
  if (!needle) return () => true;
  return (run) =>
    [run.id, run.kind, run.environment ?? "", run.commit ?? "", ...run.pinnedIn]
      .join(" ")
      .toLowerCase()
      .includes(needle);
}

const fmt = (v) => (typeof v === "number" ? Number(v.toPrecision(4)).toString() : "–");
const when = (iso) => iso.slice(0, 16).replace("T", " ");

/** The columns: run, time, kind, gate verdict, pins, the gate metric then up to three more metrics. */
function columns(listing) {
  const gate = listing.gate?.metric ?? listing.runs[0]?.gateMetric;
  const others = [...new Set(listing.runs.flatMap((r) => Object.keys(r.metrics)))].filter((m) => m !== gate);
  const metricColumn = (m) => ({
    key: m,
    label: m,
    value: (r) => r.metrics[m],
    show: (r) => fmt(r.metrics[m]),
  });
  return [
    { key: "createdAt", label: "when", value: (r) => r.createdAt, show: (r) => when(r.createdAt) },
    { key: "kind", label: "kind", value: (r) => r.kind, show: (r) => r.kind },
    ...(gate ? [metricColumn(gate)] : []),
    ...others.slice(0, 3).map(metricColumn),
    {
      key: "better",
      label: "gate",
      value: (r) => (r.better ? 1 : 0),
      show: (r) => (r.better ? "passed" : "lost"),
    },
    {
      key: "pinnedIn",
      label: "pinned",
      value: (r) => r.pinnedIn.join(","),
      show: (r) => r.pinnedIn.join(", "),
    },
  ];
}

/** The gate metric over time: a point per run, pinned runs as diamonds, the served pin ringed. */
export function runsChart(runs, metric, goal) {
  const points = runs
    .filter((r) => typeof r.metrics[metric] === "number")
    .map((r) => ({ run: r, x: Date.parse(r.createdAt), y: r.metrics[metric] }))
    .sort((a, b) => a.x - b.x);
  const [w, h] = [900, 220];
  const pad = { left: 64, right: 16, top: 28, bottom: 36 };
  const svg = svgEl("svg", {
    viewBox: `0 0 ${w} ${h}`,
    width: "100%",
    role: "img",
    "aria-label": `${metric} of ${points.length} runs over time`,
    "data-testid": "runs-chart",
  });
  if (points.length === 0) return svg;
  const [x0, x1] = [points[0].x, points.at(-1).x];
  const ys = points.map((p) => p.y);
  const [lo, hi] = [Math.min(...ys), Math.max(...ys)];
  const margin = Math.max((hi - lo) * 0.1, Math.abs(hi) * 0.01, 1e-9);
  const [y0, y1] = [lo - margin, hi + margin];
  const sx = (x) => pad.left + ((x - x0) / Math.max(1, x1 - x0)) * (w - pad.left - pad.right);
  const sy = (y) => h - pad.bottom - ((y - y0) / (y1 - y0)) * (h - pad.top - pad.bottom);
  for (let i = 0; i <= 3; i++) {
    const y = y0 + ((y1 - y0) * i) / 3;
    svg.append(svgEl("line", { x1: pad.left, x2: w - pad.right, y1: sy(y), y2: sy(y), stroke: "#e8ebf0" }));
    svg.append(svgEl("text", { x: pad.left - 6, y: sy(y) + 4, "text-anchor": "end" }, fmt(y)));
  }
  const better = goal === "maximize" ? "higher is better" : goal === "minimize" ? "lower is better" : "";
  svg.append(svgEl("text", { x: pad.left, y: 16 }, `${metric}${better ? ` (${better})` : ""}`));
  svg.append(svgEl("text", { x: pad.left, y: h - 10 }, when(points[0].run.createdAt)));
  svg.append(
    svgEl("text", { x: w - pad.right, y: h - 10, "text-anchor": "end" }, when(points.at(-1).run.createdAt)),
  );
  svg.append(
    svgEl("polyline", {
      points: points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(" "),
      fill: "none",
      stroke: "#b8c4d9",
    }),
  );
  for (const { run, x, y } of points) {
    const [cx, cy] = [sx(x), sy(y)];
    const title = svgEl(
      "title",
      {},
      `${run.id}: ${metric} ${fmt(y)}${run.pinnedIn.length ? ` · pinned in ${run.pinnedIn.join(", ")}` : ""}`,
    );
    const mark = run.pinnedIn.length
      ? svgEl("path", {
          d: `M${cx} ${cy - 7}L${cx + 7} ${cy}L${cx} ${cy + 7}L${cx - 7} ${cy}Z`,
          fill: "#3b6fd8",
          "data-testid": "pinned-run",
        })
      : svgEl("circle", {
          cx,
          cy,
          r: 4,
          fill: run.better ? "#6b7a90" : "#c3cad6",
          "data-testid": "run-point",
        });
    mark.append(title);
    svg.append(mark);
    if (run.current)
      svg.append(
        svgEl("circle", {
          cx,
          cy,
          r: 11,
          fill: "none",
          stroke: "#e07b00",
          "stroke-width": 3,
          "data-testid": "current-pin",
        }),
      );
  }
  return svg;
}

/** Draws a model's runs into the view's elements; sorting and filtering redraw the table only. */
export function showRuns(listing, { table, chart, filter, summary }) {
  const cols = columns(listing);
  let sort = { key: "createdAt", dir: -1 };
  const metric = listing.gate?.metric ?? listing.runs[0]?.gateMetric;
  chart.replaceChildren(
    metric ? runsChart(listing.runs, metric, listing.gate?.goal) : el("span", "No runs recorded."),
  );
  const draw = () => {
    const keep = runFilter(filter.value);
    const col = cols.find((c) => c.key === sort.key) ?? cols[0];
    const rows = listing.runs.filter(keep).sort((a, b) => {
      const [x, y] = [col.value(a), col.value(b)];
      if (x === y) return 0;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return (x < y ? -1 : 1) * sort.dir;
    });
    const head = el("tr");
    for (const c of cols) {
      const th = el("th", c.label, {
        scope: "col",
        "aria-sort": c.key === sort.key ? (sort.dir > 0 ? "ascending" : "descending") : "none",
      });
      const button = el("button", c.key === sort.key ? `${c.label} ${sort.dir > 0 ? "▲" : "▼"}` : c.label, {
        type: "button",
      });
      th.replaceChildren(button);
      button.addEventListener("click", () => {
        sort = { key: c.key, dir: sort.key === c.key ? -sort.dir : 1 };
        draw();
      });
      head.append(th);
    }
    head.append(el("th", "report", { scope: "col" }));
    const body = rows.map((run) => {
      const tr = el("tr", undefined, { "data-run": run.id });
      if (run.current) tr.className = "current";
      for (const c of cols) tr.append(el("td", c.show(run)));
      const link = el("a", "report", {
        href: `/v1/models/${encodeURIComponent(listing.model)}/runs/${encodeURIComponent(run.id)}/report`,
        target: "_blank",
        rel: "noopener",
      });
      const cell = el("td");
      cell.append(link);
      tr.append(cell);
      return tr;
    });
    const thead = el("thead");
    thead.append(head);
    const tbody = el("tbody");
    tbody.append(...body);
    table.replaceChildren(thead, tbody);
    summary.textContent =
      `${rows.length} of ${listing.runs.length} runs shown` +
      (listing.truncated ? ` (the newest ${listing.runs.length} of ${listing.total})` : "") +
      (listing.skipped
        ? ` · ${listing.skipped} unreadable record${listing.skipped === 1 ? "" : "s"} skipped`
        : "");
  };
  filter.oninput = draw;
  draw();
}
