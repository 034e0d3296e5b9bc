// scanscope console: the reports' figures from the sensor's own JSON API.
// Every string that comes from traffic (excerpts, fingerprint keys, names) goes into the page
// through textContent, never as HTML.
"use strict";

// Kelly's twenty colours of maximum contrast. A series takes the one its name hashes to, so RU
// (or a cluster) keeps its colour across ports, periods and reloads whatever its rank; two names
// of one chart that hash alike take the next free colour, in the order of their names.
const COLORS = ["#f3c300", "#875692", "#f38400", "#a1caf1", "#be0032", "#c2b280", "#848482",
                "#008856", "#e68fac", "#0067a5", "#f99379", "#604e97", "#f6a600", "#b3446c",
                "#dcd300", "#882d17", "#8db600", "#654522", "#e25822", "#2b3d26"];
const SHADES = ["rgba(230,57,70,0.13)", "rgba(69,123,157,0.15)", "rgba(42,157,143,0.15)",
                "rgba(233,196,106,0.2)", "rgba(131,56,236,0.12)"];
const TOP_SERIES = 7;      // series drawn per chart; the rest are summed as "rest"
const REFRESH_MS = 20000;  // how often the console asks whether a bucket has closed

const charts = {};
let lastMark = "";

function $(id) { return document.getElementById(id); }

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function setStatus(text) { $("status").textContent = text; }

// FNV-1a over the name's code points.
function hashOf(name) {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.codePointAt(0), 16777619) >>> 0;
  return h;
}

// Each name's colour in one chart: its hash's, or the next one free.
function coloursOf(names) {
  const taken = new Set(), out = {};
  for (const name of [...names].sort()) {
    let i = hashOf(name) % COLORS.length;
    for (let n = 0; n < COLORS.length && taken.has(i); ++n) i = (i + 1) % COLORS.length;
    taken.add(i);
    out[name] = COLORS[i];
  }
  return out;
}

async function getJson(path) {
  const r = await fetch(path, { headers: { "Accept": "application/json" } });
  if (!r.ok) throw new Error(path + ": " + r.status + " " + (await r.text()).trim());
  return r.json();
}

function hour(iso) { return iso ? iso.slice(0, 16).replace("T", " ") : "ongoing"; }

// The from and to fields hold "YYYY-MM-DD HH:MM", UTC, 24-hour; the API takes ISO 8601.
function toInput(iso) { return iso ? iso.slice(0, 16).replace("T", " ") : ""; }
function fromInput(value) {
  const v = value.trim();
  if (!v) return "";
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(v)) {
    throw new Error("dates are YYYY-MM-DD HH:MM, UTC: " + v);
  }
  return v.replace(" ", "T") + ":00Z";
}

function fillRows(tableId, rows) {
  const body = $(tableId).querySelector("tbody");
  body.replaceChildren();
  for (const cells of rows) {
    const tr = document.createElement("tr");
    for (const c of cells) {
      if (c !== null && typeof c === "object") {
        tr.appendChild(el("td", c.text, c.cls));
      } else {
        tr.appendChild(el("td", c, typeof c === "number" ? "number" : undefined));
      }
    }
    body.appendChild(tr);
  }
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = el("td", "none");
    td.colSpan = $(tableId).querySelectorAll("th").length;
    tr.appendChild(td);
    body.appendChild(tr);
  }
}

function currentView() {
  const q = new URLSearchParams(window.location.search);
  return { port: q.get("port") || "", from: q.get("from") || "", to: q.get("to") || "",
           split: q.get("split") || "cluster" };
}

function viewQuery(v) {
  const q = new URLSearchParams();
  for (const k of ["port", "from", "to", "split"]) if (v[k]) q.set(k, v[k]);
  return "?" + q.toString();
}

function range(v) {
  let q = "";
  if (v.from) q += "&from=" + encodeURIComponent(v.from);
  if (v.to) q += "&to=" + encodeURIComponent(v.to);
  return q;
}

// Shades campaign spans and draws lead changes over a chart (options.plugins.marks).
const marksPlugin = {
  id: "marks",
  beforeDatasetsDraw(chart, _args, opts) {
    const x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
    const half = x.getPixelForValue(1) - x.getPixelForValue(0);
    (opts.spans || []).forEach((s, i) => {
      const left = x.getPixelForValue(s.from) - half / 2;
      const right = x.getPixelForValue(s.to) + half / 2;
      ctx.save();
      ctx.fillStyle = SHADES[i % SHADES.length];
      ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
      ctx.fillStyle = "#333";
      ctx.font = "11px sans-serif";
      ctx.fillText(s.label, left + 3, area.top + 12 + 13 * (i % 3));
      ctx.restore();
    });
  },
  afterDatasetsDraw(chart, _args, opts) {
    const x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
    // Surges: the hours that stood out against the day before, as a band along the top.
    for (const s of opts.surges || []) {
      const half = (x.getPixelForValue(1) - x.getPixelForValue(0)) / 2;
      const left = x.getPixelForValue(s.from) - half, right = x.getPixelForValue(s.to) + half;
      ctx.save();
      ctx.fillStyle = "rgba(200,0,0,0.55)";
      ctx.fillRect(left, area.top, Math.max(right - left, 2), 4);
      ctx.restore();
    }
    for (const l of opts.lines || []) {
      const at = x.getPixelForValue(l.at) - (x.getPixelForValue(1) - x.getPixelForValue(0)) / 2;
      ctx.save();
      ctx.strokeStyle = "#000";
      ctx.setLineDash([2, 3]);
      ctx.beginPath();
      ctx.moveTo(at, area.top);
      ctx.lineTo(at, area.bottom);
      ctx.stroke();
      ctx.fillStyle = "#000";
      ctx.font = "11px sans-serif";
      ctx.fillText(l.label, at + 3, area.bottom - 6);
      ctx.restore();
    }
  },
};

// Hourly stacked bars of distinct sources per group; the legend below lists each series with
// its sources summed over the hours, labelled source-hours (a source active in two hours
// counts in both).
function drawStacked(key, canvasId, legendId, buckets, marks) {
  const hours = buckets.map((b) => b.start);
  const totals = {};
  for (const b of buckets) {
    for (const [name, g] of Object.entries(b.groups)) totals[name] = (totals[name] || 0) + g.sources;
  }
  const names = Object.keys(totals).sort((a, b) => totals[b] - totals[a]);
  const shown = names.slice(0, TOP_SERIES);
  const rest = names.slice(TOP_SERIES);
  const colours = coloursOf(shown);
  const datasets = shown.map((name) => ({
    label: name, backgroundColor: colours[name], borderWidth: 0,
    data: buckets.map((b) => (b.groups[name] ? b.groups[name].sources : 0)),
  }));
  if (rest.length) {
    datasets.push({ label: "rest", backgroundColor: "#cccccc", borderWidth: 0,
      data: buckets.map((b) => rest.reduce((n, r) => n + (b.groups[r] ? b.groups[r].sources : 0), 0)) });
  }
  const legend = $(legendId);
  legend.replaceChildren();
  datasets.forEach((d) => {
    const li = el("li");
    li.dataset.series = d.label;
    const sw = el("span", null, "swatch");
    sw.style.backgroundColor = d.backgroundColor;
    li.appendChild(sw);
    li.appendChild(document.createTextNode(d.label + " " +
      d.data.reduce((a, b) => a + b, 0).toLocaleString("en") + " source-hours"));
    legend.appendChild(li);
  });
  if (!datasets.length) legend.appendChild(el("li", "no traffic in this period"));
  if (typeof Chart === "undefined") return;  // said in the status line
  if (charts[key]) charts[key].destroy();
  charts[key] = new Chart($(canvasId), {
    type: "bar",
    plugins: [marksPlugin],
    data: { labels: hours.map(hour), datasets },
    options: {
      animation: false, maintainAspectRatio: false, barPercentage: 1, categoryPercentage: 1,
      scales: { x: { stacked: true, ticks: { maxTicksLimit: 16 } }, y: { stacked: true, beginAtZero: true } },
      plugins: { legend: { display: false }, marks },
    },
  });
}

// Campaign spans, surges and lead changes as indexes into the hours drawn.
function marksFor(buckets, campaigns, leads, dimension, surges) {
  const index = {};
  buckets.forEach((b, i) => { index[b.start] = i; });
  const at = (iso, fallback) => (iso in index ? index[iso] : fallback);
  const spans = campaigns.filter((c) => c.scope === "port_country").map((c) => ({
    from: at(c.start, 0),
    to: c.end ? Math.max(at(c.end, buckets.length) - 1, 0) : buckets.length - 1,
    label: c.value + " x" + Math.round(c.peak_ratio),
  })).filter((s) => buckets.length && s.to >= s.from);
  const lines = leads.filter((l) => l.dimension === dimension && l.bucket in index)
    .map((l) => ({ at: index[l.bucket], label: l.to + " leads" }));
  const surgeBands = (surges || []).filter((s) => s.start in index).map((s) => ({
    from: index[s.start],
    to: s.end && s.end in index ? Math.max(index[s.end] - 1, index[s.start]) : buckets.length - 1,
  }));
  return { spans, lines, surges: surgeBands };
}

// The port the view names, even without traffic (said so); else the busiest.
function portOf(report, wanted) {
  const named = report.ports.find((p) => String(p.port) === wanted);
  const label = (p) => p.port + "/" + p.protocol + (p.name ? " " + p.name : "");
  if (named) {
    return { port: named, note: named.packets ? "" : label(named) + ": no traffic in this run" };
  }
  const busiest = [...report.ports].sort((a, b) => b.packets - a.packets)[0];
  return { port: busiest, note: wanted && busiest
    ? "port " + wanted + " is not a watched port; showing " + label(busiest) : "" };
}

// The dimensions a port's sources can be split by: those a lead can change in (the sensor's
// own list, /api/v1/dimensions), so the split chart marks its lead changes.
async function fillSplits(v) {
  const { dimensions } = await getJson("/api/v1/dimensions");
  const names = dimensions.filter((d) => d.lead).map((d) => d.name);
  const select = $("split");
  select.replaceChildren();
  for (const name of names) {
    const o = el("option", name === "as" ? "AS" : name);
    o.value = name;
    select.appendChild(o);
  }
  if (!names.includes(v.split)) v.split = names[0] || "cluster";
}

async function render() {
  const v = currentView();
  const report = await getJson("/api/v1/report");
  await fillSplits(v);
  // The port picker: every watched port, busiest first.
  const select = $("port");
  select.replaceChildren();
  for (const p of [...report.ports].sort((a, b) => b.packets - a.packets)) {
    const o = el("option", p.port + "/" + p.protocol + " " + (p.name || "") + " (" +
      p.packets.toLocaleString("en") + " frames)");
    o.value = String(p.port);
    select.appendChild(o);
  }
  const chosen = portOf(report, v.port);
  const port = chosen.port;
  $("port-note").textContent = chosen.note;
  if (!port) { setStatus("no watched port"); return; }
  select.value = String(port.port);
  $("from").value = toInput(v.from);
  $("to").value = toInput(v.to);
  $("split").value = v.split;
  $("split-caption").textContent = "Sources per hour by " + (v.split === "as" ? "AS" : v.split);
  $("permalink").href = viewQuery({ ...v, port: String(port.port) });

  const base = "port=" + encodeURIComponent(port.port) + range(v);
  const [byCountry, bySplit, bySignature, found] = await Promise.all([
    getJson("/api/v1/series?group=country&" + base),
    getJson("/api/v1/series?group=" + v.split + "&" + base),
    getJson("/api/v1/series?group=signature&" + base),
    getJson("/api/v1/campaigns?" + base),
  ]);
  const campaigns = found.campaigns, leads = found.lead_changes;
  const portSurges = report.surges.filter((s) => s.port === port.port && s.scope === "port");
  drawStacked("country", "chart-country", "legend-country", byCountry.buckets,
              marksFor(byCountry.buckets, campaigns, leads, "country", portSurges));
  drawStacked("split", "chart-split", "legend-split", bySplit.buckets,
              marksFor(bySplit.buckets, campaigns, leads, v.split));
  drawStacked("signature", "chart-signature", "legend-signature", bySignature.buckets,
              marksFor(bySignature.buckets, campaigns, [], "signature"));

  // What else a campaign's sources did (docs/sources.md, "Pivots"): signatures, then ports.
  const also = (c) => {
    if (!c.pivots || !c.pivots.sources) return "";
    const pct = (x) => Math.round(100 * x.share) + "%";
    const sigs = c.pivots.signatures.filter((s) => !(s.port === c.port && s.name === c.value))
      .slice(0, 3).map((s) => s.name + " on " + s.port + " " + pct(s));
    const ports = c.pivots.ports.slice(0, 2).map((p) => "port " + p.port + " " + pct(p));
    // How far they went on the campaign's own port (--emulate): most sources first.
    const steps = (c.pivots.steps || []).filter((s) => s.port === c.port)
      .map((s) => s.step + " " + pct(s));
    return sigs.concat(ports, steps.length ? ["steps: " + steps.join(", ")] : []).join("; ");
  };
  fillRows("campaigns", campaigns.map((c) => [
    c.scope.replace("port_", "") || "port", c.new_tool ? "new tool: " + c.value : c.value || "all sources",
    hour(c.start), c.end ? hour(c.end) : "ongoing", "x" + c.peak_ratio.toFixed(1) + " at " + hour(c.peak),
    c.packets, c.peak_sources, c.top.tools.map((t) => t[0]).filter((t) => t !== "none")
      .concat(c.top.payload_tools.map((t) => t[0] + " (payload)")).join(" + "),
    also(c),
  ]));
  fillRows("leads", leads.map((l) => [hour(l.bucket), l.dimension, l.from, l.to]));
  fillRows("surges", report.surges.filter((s) => s.port === port.port).map((s) => [
    hour(s.start), s.scope.replace("port_", "") || "port", s.country || s.cluster || "all sources",
    "x" + s.ratio.toFixed(1), hour(s.end)]));

  const rules = {};
  for (const r of report.signatures) rules[r.name] = r;
  fillRows("signatures", port.signatures.filter((s) => s.hits > 0).map((s) => [
    s.name, s.category, s.hits, s.sources,
    { text: rules[s.name] && rules[s.name].excerpt ? rules[s.name].excerpt : "", cls: "bytes" }]));

  // The steps and indicators of --emulate (empty without it); the values are the clients'
  // bytes, so they go into the page as text only (el() sets textContent).
  const talked = ((report.conversation || {}).ports || []).find((p) => p.port === port.port);
  fillRows("steps", ((talked || {}).steps || []).map((s) => [s.step, s.packets, s.sources]));
  const given = await getJson("/api/v1/indicators?port=" + port.port);
  fillRows("indicators", given.indicators.slice(0, 20).map((i) => [
    i.kind, { text: i.value || "(withheld)", cls: "bytes" }, i.count, i.sources,
    hour(i.first_seen), hour(i.last_seen), i.first_source]));

  try {
    const fingerprints = await getJson("/api/v1/fingerprints/top?n=10&port=" + port.port);
    fillRows("fingerprints", fingerprints.map((f) => [{ text: f.key, cls: "bytes" }, f.packets, f.sources]));
  } catch (e) {
    fillRows("fingerprints", []);
  }
  try {
    const sources = await getJson("/api/v1/sources/top?n=10");
    $("sources-note").textContent = "";
    fillRows("sources", sources.map((s) => [s.address, s.country, s.packets,
                                            Math.round(s.distinct_ports),
                                            hour(s.first_seen), hour(s.last_seen)]));
  } catch (e) {
    // Live, the RX lcores own the source tables: the API answers 503 until they stop.
    $("sources-note").textContent = "the busiest sources are shown once the analysis has ended";
    fillRows("sources", []);
  }
  fillRows("devices", (report.devices || []).map((d) => [d.port_id, d.name, d.ipackets, d.imissed,
                                                         d.ierrors, d.rx_nombuf, d.kernel_dropped]));
  fillRows("lcores", (report.lcores || []).map((l) => [l.lcore, l.source, l.packets,
                                                       (100 * l.busy_ratio).toFixed(0) + "%"]));
  lastMark = JSON.stringify(report.buckets) + campaigns.length;
  setStatus((typeof Chart === "undefined"
    ? "charts need Debian's libjs-chart.js on the sensor; tables only. " : "") +
    report.mode + " " + report.input + ": " + report.totals.packets.toLocaleString("en") +
    " frames, " + report.buckets.retained + " hours kept, " + campaigns.length +
    " campaigns on " + port.port + "/" + port.protocol + "; updated " +
    new Date().toISOString().slice(11, 19) + " UTC");
}

// A new closed bucket (or campaign) redraws the view.
async function refresh() {
  try {
    const report = await getJson("/api/v1/report");
    const found = await getJson("/api/v1/campaigns?port=" + encodeURIComponent($("port").value));
    if (JSON.stringify(report.buckets) + found.campaigns.length !== lastMark) await render();
  } catch (e) {
    setStatus("the sensor did not answer: " + e.message);
  }
}

function main() {
  $("view").addEventListener("submit", (event) => {
    event.preventDefault();
    let v;
    try {
      v = { port: $("port").value, from: fromInput($("from").value),
            to: fromInput($("to").value), split: $("split").value };
    } catch (e) {
      setStatus(e.message);
      return;
    }
    window.history.pushState(null, "", viewQuery(v));
    render().catch((e) => setStatus(e.message));
  });
  window.addEventListener("popstate", () => render().catch((e) => setStatus(e.message)));
  render().catch((e) => setStatus(e.message));
  window.setInterval(refresh, REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", main);
