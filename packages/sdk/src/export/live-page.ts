// The live page served at GET / : a static HTML document, its script and its style sheet, all
// served by the metrics server itself (no CDN, no request anywhere else), so the page works
// under `Content-Security-Policy: default-src 'self'`. The script polls /report and draws
// with DOM and SVG calls only: every name in a report (operation types, attribute values) is
// user data and goes in as text, never as markup.

import type { StaticPage } from './server.js';

const html = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ragmeter</title>
<link rel="icon" href="favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="page.css">
<script src="page.js" defer></script>
</head>
<body>
<header>
  <h1>ragmeter</h1>
  <span id="health" class="badge">…</span>
  <span id="summary"></span>
  <span id="updated" class="muted"></span>
</header>
<main>
  <ul id="issues"></ul>
  <section>
    <h2>Operations <span class="muted">since start</span></h2>
    <table id="operations">
      <thead><tr>
        <th>operation</th><th>count</th><th>errors</th><th>p50</th><th>p95</th><th>p99</th><th>tokens</th><th class="cost">cost</th>
      </tr></thead>
      <tbody></tbody>
    </table>
    <p id="empty" class="muted">No operations recorded yet.</p>
  </section>
  <section>
    <h2>Where the time goes <span class="muted">share of each parent type's time; self = not in a child operation</span></h2>
    <div id="breakdown"></div>
    <p id="no-breakdown" class="muted">No nested operations yet.</p>
  </section>
  <section>
    <h2>p95 latency <span class="muted" id="chart-note"></span></h2>
    <div id="chart"></div>
    <div id="chart-legend" class="legend"></div>
  </section>
</main>
</body>
</html>
`;

const style = String.raw`:root { --fg: #1d232b; --muted: #6b7480; --line: #e3e6ea; --ok: #1f8a4c; --warn: #c2570c; --bg: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; padding: .8rem 1.5rem; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.25rem; margin: 0; }
h2 { font-size: 1rem; margin: 1.6rem 0 .6rem; }
main { padding: 0 1.5rem 2rem; max-width: 1100px; }
.muted { color: var(--muted); font-weight: normal; font-size: .85rem; }
.badge { padding: .1rem .6rem; border-radius: 1rem; color: #fff; background: var(--muted); font-weight: 600; }
.badge.healthy { background: var(--ok); }
.badge.warning { background: var(--warn); }
#issues { color: var(--warn); margin: .6rem 0 0; padding-left: 1.2rem; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: .35rem .6rem; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { color: var(--muted); font-weight: 600; }
td.bad { color: var(--warn); font-weight: 600; }
.cost { display: none; }
table.with-cost .cost { display: table-cell; }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .4rem; vertical-align: -1px; }
.parent { margin: 0 0 1rem; }
.parent-title { margin-bottom: .3rem; }
.bar { display: flex; height: 1.4rem; border-radius: 3px; overflow: hidden; background: var(--line); }
.bar > div { height: 100%; min-width: 2px; }
.bar > .self, .swatch.self { background: repeating-linear-gradient(45deg, #c9ced4, #c9ced4 4px, #dde1e5 4px, #dde1e5 8px); }
.legend { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; margin-top: .35rem; font-size: .85rem; }
#chart svg { width: 100%; height: auto; display: block; }
#chart .grid { stroke: var(--line); stroke-width: 1; }
#chart .axis { fill: var(--muted); font-size: 11px; }
#chart polyline { fill: none; stroke-width: 2; stroke-linejoin: round; }
`;

// Plain ES2020 in a string (no backticks, no dollar-brace): it runs in the browser as is.
const script = String.raw`(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var refreshSeconds = Number(params.get('refresh'));
  var REFRESH_MS = Number.isFinite(refreshSeconds) && refreshSeconds >= 0.25 ? refreshSeconds * 1000 : 2000;
  var CHART_WINDOW = 60;   // each chart point: p95 over the last minute
  var HISTORY = 180;       // points kept per type
  var PALETTE = ['#3b6fd8', '#e0762b', '#2a9d6a', '#c23b6d', '#8a5cd6', '#b08a1c', '#1e9bb5', '#d14b3c', '#5b7a2e', '#7a5230'];
  var SVG = 'http://www.w3.org/2000/svg';
  var colors = new Map();
  var samples = [];        // { t: ms, p95: Map<type, seconds> }

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    for (var key in attrs) node.setAttribute(key, String(attrs[key]));
    return node;
  }

  /** A stable color per operation type (first come, first served). */
  function colorOf(type) {
    if (!colors.has(type)) colors.set(type, PALETTE[colors.size % PALETTE.length]);
    return colors.get(type);
  }

  function swatch(type) {
    var s = el('span', 'swatch');
    s.style.background = colorOf(type);
    return s;
  }

  function num(x) { return typeof x === 'number' && Number.isFinite(x) ? x : 0; }

  function duration(seconds) {
    var s = num(seconds);
    if (s === 0) return '0';
    if (s < 1e-3) return (s * 1e6).toFixed(0) + 'µs';
    if (s < 0.01) return (s * 1e3).toFixed(2) + 'ms';
    if (s < 1) return (s * 1e3).toFixed(1) + 'ms';
    if (s < 60) return s.toFixed(2) + 's';
    var m = Math.floor(s / 60);
    return m + 'm' + String(Math.round(s - m * 60)).padStart(2, '0') + 's';
  }

  function count(n) { return Math.round(num(n)).toLocaleString('en-US'); }
  function percent(share) { return (num(share) * 100).toFixed(1) + '%'; }

  function getReport(query) {
    return fetch('report' + query, { cache: 'no-store', headers: { accept: 'application/json' } }).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    });
  }

  function renderHealth(report) {
    var health = report.health || { status: 'unknown', issues: [] };
    var badge = $('health');
    badge.textContent = health.status;
    badge.className = 'badge ' + (health.status === 'healthy' ? 'healthy' : 'warning');
    var issues = $('issues');
    issues.replaceChildren();
    (health.issues || []).forEach(function (issue) { issues.appendChild(el('li', '', String(issue))); });
    var memory = report.memory || {};
    $('summary').textContent = count(report.total_operations) + ' operations · RSS ' + num(memory.current_rss_mb).toFixed(1) + ' MB';
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  }

  function renderOperations(report) {
    var ops = report.operations || {};
    var types = Object.keys(ops);
    var table = $('operations');
    var withCost = types.some(function (t) { return ops[t].cost && typeof ops[t].cost.total_usd === 'number'; });
    table.classList.toggle('with-cost', withCost);
    var body = table.tBodies[0];
    body.replaceChildren();
    types.forEach(function (type) {
      var op = ops[type];
      var d = op.duration || {};
      var row = el('tr');
      row.setAttribute('data-type', type);
      var name = el('td');
      name.appendChild(swatch(type));
      name.appendChild(document.createTextNode(type));
      row.appendChild(name);
      row.appendChild(el('td', 'count', count(op.total)));
      row.appendChild(el('td', num(op.error_rate) > 0 ? 'errors bad' : 'errors', percent(op.error_rate)));
      row.appendChild(el('td', 'p50', duration(d.p50)));
      row.appendChild(el('td', 'p95', duration(d.p95)));
      row.appendChild(el('td', 'p99', duration(d.p99)));
      row.appendChild(el('td', 'tokens', count(op.tokens && op.tokens.total)));
      var cost = op.cost && typeof op.cost.total_usd === 'number' ? '$' + op.cost.total_usd.toFixed(4) : '–';
      row.appendChild(el('td', 'cost', cost));
      body.appendChild(row);
    });
    $('empty').hidden = types.length > 0;
  }

  function renderBreakdown(report) {
    var breakdown = report.breakdown || {};
    var box = $('breakdown');
    box.replaceChildren();
    var parents = Object.keys(breakdown);
    parents.forEach(function (parent) {
      var parts = Object.keys(breakdown[parent]).map(function (child) {
        return { child: child, share: num(breakdown[parent][child].share), avg: num(breakdown[parent][child].avg_seconds) };
      }).sort(function (a, b) { return b.share - a.share; });
      // concurrent children can add up past 100 %: the bar shows their proportions
      var sum = parts.reduce(function (a, p) { return a + p.share; }, 0) || 1;
      var block = el('div', 'parent');
      block.setAttribute('data-parent', parent);
      var title = el('div', 'parent-title');
      title.appendChild(el('strong', '', parent));
      if (sum > 1.001) title.appendChild(el('span', 'muted', '  (children overlap: shares add up to ' + percent(sum) + ')'));
      block.appendChild(title);
      var bar = el('div', 'bar');
      var legend = el('div', 'legend');
      parts.forEach(function (p) {
        var segment = el('div', p.child === 'self' ? 'self' : '');
        segment.setAttribute('data-child', p.child);
        segment.style.width = (p.share / sum * 100).toFixed(3) + '%';
        if (p.child !== 'self') segment.style.background = colorOf(p.child);
        segment.title = p.child + ': ' + percent(p.share) + ', ' + duration(p.avg) + ' per ' + parent;
        bar.appendChild(segment);
        var item = el('span');
        if (p.child === 'self') { var s = el('span', 'swatch self'); item.appendChild(s); }
        else item.appendChild(swatch(p.child));
        item.appendChild(document.createTextNode(p.child + ' ' + percent(p.share) + ' · ' + duration(p.avg) + '/op'));
        legend.appendChild(item);
      });
      block.appendChild(bar);
      block.appendChild(legend);
      box.appendChild(block);
    });
    $('no-breakdown').hidden = parents.length > 0;
  }

  function addSample(recent) {
    var p95 = new Map();
    var ops = recent.operations || {};
    Object.keys(ops).forEach(function (type) {
      if (num(ops[type].total) > 0) p95.set(type, num(ops[type].duration && ops[type].duration.p95));
    });
    samples.push({ t: Date.now(), p95: p95 });
    if (samples.length > HISTORY) samples.shift();
  }

  function renderChart() {
    var W = 900, H = 260, L = 64, R = 12, T = 10, B = 26;
    var chart = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'p95 latency per operation type' });
    var types = [];
    var min = Infinity, max = 0;
    samples.forEach(function (s) {
      s.p95.forEach(function (v, type) {
        if (types.indexOf(type) < 0) types.push(type);
        if (v > max) max = v;
        if (v > 0 && v < min) min = v;
      });
    });
    types.sort();
    // stages differ by orders of magnitude (µs to s): a log scale, one grid line per decade
    var lo = Math.floor(Math.log10(Number.isFinite(min) ? min : 1e-3));
    var hi = Math.max(Math.ceil(Math.log10(max > 0 ? max : 1)), lo + 1);
    var t0 = samples.length > 0 ? samples[0].t : Date.now();
    var t1 = samples.length > 0 ? samples[samples.length - 1].t : t0;
    var span = Math.max(t1 - t0, REFRESH_MS);
    function x(t) { return L + (t - t0) / span * (W - L - R); }
    function y(v) {
      var e = Math.min(Math.max(Math.log10(Math.max(v, 1e-9)), lo), hi);
      return T + (1 - (e - lo) / (hi - lo)) * (H - T - B);
    }
    for (var i = lo; i <= hi; i++) {
      var v = Math.pow(10, i);
      chart.appendChild(svgEl('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      var label = svgEl('text', { class: 'axis', x: L - 6, y: y(v) + 4, 'text-anchor': 'end' });
      label.textContent = i < -3 ? Math.pow(10, i + 6).toFixed(0) + 'µs' : i < 0 ? Math.pow(10, i + 3).toFixed(0) + 'ms' : v.toFixed(0) + 's';
      chart.appendChild(label);
    }
    [[t0, 'start'], [t1, 'end']].forEach(function (pair) {
      var label = svgEl('text', { class: 'axis', x: x(pair[0]), y: H - 6, 'text-anchor': pair[1] });
      label.textContent = new Date(pair[0]).toLocaleTimeString();
      chart.appendChild(label);
    });
    types.forEach(function (type) {
      var points = [];
      samples.forEach(function (s) {
        if (s.p95.has(type)) points.push(x(s.t).toFixed(1) + ',' + y(s.p95.get(type)).toFixed(1));
      });
      if (points.length === 1) points.push((Number(points[0].split(',')[0]) + 2).toFixed(1) + ',' + points[0].split(',')[1]);
      var line = svgEl('polyline', { points: points.join(' '), stroke: colorOf(type) });
      line.setAttribute('data-type', type);
      var tip = svgEl('title', {});
      tip.textContent = type;
      line.appendChild(tip);
      chart.appendChild(line);
    });
    $('chart').replaceChildren(chart);
    var legend = $('chart-legend');
    legend.replaceChildren();
    types.forEach(function (type) {
      var item = el('span');
      item.appendChild(swatch(type));
      var last = samples[samples.length - 1].p95.get(type);
      item.appendChild(document.createTextNode(type + (last === undefined ? '' : ' ' + duration(last))));
      legend.appendChild(item);
    });
    $('chart-note').textContent = 'per operation type, over the last ' + CHART_WINDOW + ' s, sampled every ' + (REFRESH_MS / 1000) + ' s (log scale)';
  }

  function poll() {
    Promise.all([getReport(''), getReport('?window=' + CHART_WINDOW)]).then(function (reports) {
      renderHealth(reports[0]);
      renderOperations(reports[0]);
      renderBreakdown(reports[0]);
      addSample(reports[1]);
      renderChart();
    }, function (error) {
      var badge = $('health');
      badge.textContent = 'unreachable';
      badge.className = 'badge warning';
      $('updated').textContent = String(error && error.message ? error.message : error);
    }).finally(function () {
      setTimeout(poll, REFRESH_MS);
    });
  }

  poll();
})();
`;

const icon = String.raw`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#3b6fd8"/><path d="M3 12h2V8H3zm4 0h2V4H7zm4 0h2V6h-2z" fill="#fff"/></svg>
`;

/** The live page and its files. */
export const LIVE_PAGE: StaticPage = { html, script, style, icon };
