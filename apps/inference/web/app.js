// The Lockstep inference page: no framework, no external requests; it only talks to this server.
const $ = (id) => document.getElementById(id);
let current;

const text = (tag, content, className) => {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className) el.className = className;
  return el;
};

function showError(message) {
  $("result").replaceChildren(text("div", message, "error"));
  $("answer-meta").textContent = "";
}

async function call(path, init) {
  const response = await fetch(path, init);
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(`${body.error ?? "request failed"}${body.code ? ` (${body.code})` : ""}`);
  return body;
}

function bars(rows) {
  const box = document.createElement("div");
  box.className = "bars";
  for (const { label, value } of rows) {
    const row = document.createElement("div");
    row.className = "bar";
    row.dataset.testid = "bar";
    const track = document.createElement("div");
    track.className = "track";
    const fill = document.createElement("div");
    fill.className = "fill";
    fill.style.width = `${Math.max(0, Math.min(1, value)) * 100}%`;
    track.append(fill);
    row.append(text("span", label, "label"), track, text("span", `${(value * 100).toFixed(1)}%`, "value"));
    box.append(row);
  }
  return box;
}

const NS = "http://www.w3.org/2000/svg";
const svgEl = (tag, attrs) => {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
};

function monthIndex(label) {
  const [y, m] = label.split("-").map(Number);
  return y * 12 + m - 1;
}

/** History (from the card's serving context) then the forecast with its interval band. */
function forecastChart(history, lastMonth, forecast) {
  const recent = history.slice(-120);
  const end = monthIndex(lastMonth);
  const points = recent.map((v, i) => ({ x: end - recent.length + 1 + i, y: v }));
  const future = forecast.map((f) => ({ x: monthIndex(f.month), y: f.value, lo: f.lower, hi: f.upper }));
  const xs = [...points, ...future].map((p) => p.x);
  const ys = [...points.map((p) => p.y), ...future.flatMap((p) => [p.lo, p.hi])];
  const [w, h, pad] = [900, 300, 40];
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (x) => pad + ((x - x0) / Math.max(1, x1 - x0)) * (w - 2 * pad);
  const sy = (y) => h - pad - ((y - y0) / Math.max(1e-9, y1 - y0)) * (h - 2 * pad);
  const svg = svgEl("svg", {
    viewBox: `0 0 ${w} ${h}`,
    width: "100%",
    role: "img",
    "data-testid": "forecast-chart",
  });
  const band = [
    ...future.map((p) => `${sx(p.x)},${sy(p.hi)}`),
    ...future.reverse().map((p) => `${sx(p.x)},${sy(p.lo)}`),
  ];
  future.reverse();
  svg.append(
    svgEl("polygon", {
      points: band.join(" "),
      fill: "#3b6fd8",
      "fill-opacity": 0.18,
      "data-testid": "interval",
    }),
  );
  const line = (ps, color, id) =>
    svgEl("polyline", {
      points: ps.map((p) => `${sx(p.x)},${sy(p.y)}`).join(" "),
      fill: "none",
      stroke: color,
      "stroke-width": 2,
      "data-testid": id,
    });
  svg.append(line(points, "#1d2330", "history"), line([points.at(-1), ...future], "#3b6fd8", "forecast"));
  for (const y of [y0, (y0 + y1) / 2, y1]) {
    const label = svgEl("text", { x: 4, y: sy(y) + 4 });
    label.textContent = y.toFixed(1);
    svg.append(label);
  }
  for (const p of [points[0], points.at(-1), future.at(-1)]) {
    const year = Math.floor(p.x / 12);
    const label = svgEl("text", { x: sx(p.x) - 18, y: h - 10 });
    label.textContent = `${year}-${String((p.x % 12) + 1).padStart(2, "0")}`;
    svg.append(label);
  }
  return svg;
}

function render(answer) {
  const out = [];
  const top = Object.entries(answer).find(([k]) => /^top_\d+_predictions$/.test(k));
  if (top) {
    out.push(text("div", `${answer.predicted_label}`, "signal"));
    out.push(
      bars(
        top[1].map((p) => ({
          label: p.common_name ? `${p.label} (${p.common_name})` : p.label,
          value: p.confidence,
        })),
      ),
    );
  }
  if (answer.signal) {
    const signal = text("div", answer.signal, `signal ${answer.signal}`);
    signal.dataset.testid = "signal";
    out.push(signal, bars(Object.entries(answer.probabilities).map(([label, value]) => ({ label, value }))));
    if (answer.warnings) out.push(text("div", answer.warnings.join("\n"), "muted"));
  }
  if (answer.forecast) {
    const serving = current.serving ?? {};
    if (Array.isArray(serving.history) && serving.lastMonth && !lastRequestHasHistory()) {
      out.push(forecastChart(serving.history, serving.lastMonth, answer.forecast));
    }
    const last = answer.forecast.at(-1);
    out.push(
      text(
        "div",
        `${last.month}: ${last.value} ${answer.unit} (${Math.round(answer.interval * 100)}% interval ${last.lower} – ${last.upper})`,
      ),
    );
  }
  if (out.length === 0) out.push(text("pre", JSON.stringify(answer, null, 2)));
  $("result").replaceChildren(...out);
  $("answer-meta").textContent =
    `${answer.model} v${answer.version} · ${answer.processing_time_ms.toFixed(2)} ms${answer.cached ? " · cached" : ""}`;
}

function lastRequestHasHistory() {
  try {
    return JSON.parse($("request").value).history !== undefined;
  } catch {
    return false;
  }
}

async function predict(body, type) {
  try {
    render(
      await call(`/v1/models/${encodeURIComponent(current.name)}/predict`, {
        method: "POST",
        headers: { "content-type": type },
        body,
      }),
    );
  } catch (error) {
    showError(error.message);
  }
}

async function select(name) {
  try {
    current = await call(`/v1/models/${encodeURIComponent(name)}`);
  } catch (error) {
    return showError(error.message);
  }
  $("state").textContent = current.state ?? "";
  $("description").textContent = current.description ?? "";
  $("identity").textContent = current.sha256 ? `version ${current.version} · sha256 ${current.sha256}` : "";
  $("metrics").replaceChildren(
    ...Object.entries(current.metrics ?? {})
      .slice(0, 12)
      .map(([k, v]) => text("span", `${k} ${Number(v).toPrecision(4)}`)),
  );
  $("result").replaceChildren(text("span", "No prediction yet.", "muted"));
  $("answer-meta").textContent = "";
  const image = (current.accepts ?? []).includes("image/*");
  $("upload").hidden = !image;
  $("json").hidden = image;
  const examples = current.examples ?? [];
  $("example").replaceChildren(...examples.map((_, i) => text("option", `Example ${i + 1}`)));
  if (!image && examples.length) {
    const best = examples.reduce(
      (a, b, i) =>
        JSON.stringify(b).length > JSON.stringify(examples[a]).length && JSON.stringify(b).length < 100_000
          ? i
          : a,
      0,
    );
    $("example").selectedIndex = best;
    $("request").value = JSON.stringify(examples[best], null, 1);
    if (current.serving?.history) void predict($("request").value, "application/json");
  }
}

$("model").addEventListener("change", (e) => select(e.target.value));
$("load").addEventListener("click", () => {
  $("request").value = JSON.stringify(current.examples[$("example").selectedIndex], null, 1);
});
$("file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (file) $("request").value = await file.text();
});
$("send").addEventListener("click", () => predict($("request").value, "application/json"));
$("image").addEventListener("change", (e) => {
  const file = e.target.files[0];
  if (!file) return;
  $("preview").src = URL.createObjectURL(file);
  $("preview").hidden = false;
  void predict(file, file.type || "application/octet-stream");
});

const { models } = await call("/v1/models");
$("model").replaceChildren(...models.map((m) => text("option", m.name)));
const wanted = new URLSearchParams(location.search).get("model");
if (wanted && models.some((m) => m.name === wanted)) $("model").value = wanted;
if (models.length) await select($("model").value);
else showError("No models are pinned for this environment.");
