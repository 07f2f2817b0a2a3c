// The Lockstep inference page: no framework, no external requests; it only talks to this server.
import { forecastChart, parseMonthlyCsv } from "/chart.js";
import { showRuns } from "/runs.js";

const $ = (id) => document.getElementById(id);
let current;
/** The history the person uploaded for CO2, drawn with its forecast. */
let uploaded;

const ABBREVIATIONS = {
  mape: "MAPE",
  rmse: "RMSE",
  mase: "MASE",
  auc: "AUC",
  f1: "F1",
  ovr: "one-vs-rest",
  snaive: "seasonal naive",
};

/** A metric's name for people: mape_h12 -> "MAPE, 12 months ahead", top3_accuracy -> "top-3 accuracy". */
function metricName(key) {
  const horizon = /_h(\d+)$/.exec(key);
  const words = key
    .replace(/_h\d+$/, "")
    .replace(/^top(\d+)_/, "top-$1 ")
    .split(/[_ ]/)
    .map((w) => ABBREVIATIONS[w] ?? w);
  return `${words.join(" ")}${horizon ? `, ${horizon[1]} months ahead` : ""}`;
}

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
    const observed = uploaded ?? (Array.isArray(serving.history) ? serving : undefined);
    if (observed?.lastMonth) {
      out.push(
        forecastChart({
          history: observed.history,
          lastMonth: observed.lastMonth,
          forecast: answer.forecast,
          unit: answer.unit,
          level: answer.interval,
        }),
      );
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
  $("headline").replaceChildren(...(current.headline ?? []).map((line) => text("li", line.text)));
  $("metrics").replaceChildren(
    ...Object.entries(current.metrics ?? {})
      .slice(0, 12)
      .map(([k, v]) => {
        const metric = text("span", `${metricName(k)} `);
        metric.title = k;
        metric.append(text("b", Number(v).toPrecision(4)));
        return metric;
      }),
  );
  void loadRuns(name);
  uploaded = undefined;
  $("history-name").textContent = "";
  $("result").replaceChildren(text("span", "No prediction yet.", "muted"));
  $("answer-meta").textContent = "";
  const image = (current.accepts ?? []).includes("image/*");
  const forecast = Array.isArray(current.serving?.history);
  const examples = current.examples ?? [];
  const candles = !image && !forecast && examples.some((e) => Array.isArray(e?.candles));
  $("upload").hidden = !image;
  $("forecast-form").hidden = !forecast;
  $("candles-form").hidden = !candles;
  $("json-panel").hidden = image;
  $("example").replaceChildren(...examples.map((_, i) => text("option", `Example ${i + 1}`)));
  $("request").value = examples.length ? JSON.stringify(examples[0], null, 1) : "{}";
  if (forecast) {
    const max = current.serving.maxHorizon ?? 60;
    for (const id of ["horizon", "horizon-range"]) $(id).max = String(max);
    setHorizon(12);
    void forecastNow();
  }
}

/** The model's runs, from the server's store; a store it cannot read is said in the view. */
let runsFor;
async function loadRuns(name) {
  runsFor = name;
  const view = {
    table: $("runs-table"),
    chart: $("runs-chart"),
    filter: $("runs-filter"),
    summary: $("runs-summary"),
  };
  view.table.replaceChildren();
  view.chart.replaceChildren();
  view.summary.textContent = "loading runs…";
  try {
    const listing = await call(`/v1/models/${encodeURIComponent(name)}/runs`);
    if (runsFor === name) showRuns(listing, view); // another model chosen meanwhile: its own call draws
  } catch (error) {
    if (runsFor === name) view.summary.textContent = `runs unavailable: ${error.message}`;
  }
}

function setHorizon(value) {
  const max = Number($("horizon").max) || 60;
  const h = Math.min(max, Math.max(1, Math.round(Number(value) || 1)));
  $("horizon").value = String(h);
  $("horizon-range").value = String(h);
  return h;
}

/** The CO2 request from the controls, also shown as JSON for those who want it. */
function forecastNow() {
  const body = { horizon: setHorizon($("horizon").value) };
  if (uploaded) Object.assign(body, uploaded);
  $("request").value = JSON.stringify(body, null, 1);
  return predict(JSON.stringify(body), "application/json");
}

/** Candles from a JSON file (an array, or {"candles": [...]}) or a CSV with a header row. */
function candlesFrom(name, content) {
  if (/\.json$/i.test(name) || /^\s*[[{]/.test(content)) {
    const doc = JSON.parse(content);
    return Array.isArray(doc) ? { candles: doc } : doc;
  }
  const [header, ...rows] = content.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (!header || rows.length === 0) throw new Error("expected a header row and one candle per row");
  const keys = header.split(",").map((k) => k.trim());
  return {
    candles: rows.map((row) =>
      Object.fromEntries(
        row
          .split(",")
          .map((cell, i) => [keys[i], Number.isFinite(Number(cell)) ? Number(cell) : cell.trim()]),
      ),
    ),
  };
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
$("horizon-range").addEventListener("input", (e) => setHorizon(e.target.value));
$("forecast-form").addEventListener("submit", (e) => {
  e.preventDefault();
  void forecastNow();
});
$("history-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  try {
    uploaded = parseMonthlyCsv(await file.text());
    $("history-name").textContent =
      `${uploaded.history.length} months to ${uploaded.lastMonth} from ${file.name}`;
    await forecastNow();
  } catch (error) {
    uploaded = undefined;
    showError(`${file.name}: ${error.message}`);
  }
});
$("history-clear").addEventListener("click", () => {
  uploaded = undefined;
  $("history-file").value = "";
  $("history-name").textContent = "";
  void forecastNow();
});
$("candles-example").addEventListener("click", () => {
  const example = current.examples
    .filter((e) => Array.isArray(e?.candles))
    .reduce((a, b) => (b.candles.length > a.candles.length ? b : a));
  $("request").value = JSON.stringify(example, null, 1);
  void predict(JSON.stringify(example), "application/json");
});
$("candles-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  try {
    const body = candlesFrom(file.name, await file.text());
    $("request").value = JSON.stringify(body, null, 1);
    await predict(JSON.stringify(body), "application/json");
  } catch (error) {
    showError(`${file.name}: ${error.message}`);
  }
});
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
else if (wanted)
  $("notice").textContent =
    `"${wanted}" is not served here; serving ${models.map((m) => m.name).join(", ") || "nothing"}.`;
if (models.length) await select($("model").value);
else showError("No models are pinned for this environment.");
