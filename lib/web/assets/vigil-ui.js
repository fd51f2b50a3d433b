// vigil's web UI script: the Query page (table and SVG graph from the JSON
// API) and printing. Served from the binary; the page's Content-Security-
// Policy allows no other script. Text from data is only ever set with
// textContent or as SVG attribute values, never parsed as HTML.
'use strict';

(function () {
  const SVG_NS = 'http://www.w3.org/2000/svg';
  // Series drawn at most, and table rows: a result of thousands of series
  // would make the page unusable (the status line says what was cut).
  const MAX_SERIES = 200;
  const MAX_ROWS = 2000;
  // Points per series the graph asks for (Prometheus's UI uses ~250).
  const TARGET_POINTS = 250;
  const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd',
    '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  }

  // Prometheus's series notation: name{a="b", c="d"}.
  function seriesName(metric) {
    const name = metric.__name__ || '';
    const parts = [];
    for (const k of Object.keys(metric).sort()) {
      if (k === '__name__') continue;
      parts.push(k + '="' + String(metric[k]).replace(/\\/g, '\\\\')
        .replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"');
    }
    return parts.length || !name ? name + '{' + parts.join(', ') + '}' : name;
  }

  function formatValue(v) {
    const n = Number(v);
    if (!isFinite(n)) return String(v);
    if (n !== 0 && (Math.abs(n) >= 1e6 || Math.abs(n) < 1e-3)) {
      return n.toExponential(3);
    }
    return String(Math.round(n * 1e4) / 1e4);
  }

  function pad(n) { return String(n).padStart(2, '0'); }
  function formatTime(ms, withDate) {
    const d = new Date(ms);
    const hm = pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
    if (!withDate) return hm;
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' +
      pad(d.getUTCDate()) + ' ' + hm + ':' + pad(d.getUTCSeconds());
  }

  const RANGE_SECONDS = { '5m': 300, '15m': 900, '1h': 3600, '3h': 10800,
    '6h': 21600, '12h': 43200, '1d': 86400, '1w': 604800 };

  // Round axis steps: 1, 2 or 5 times a power of ten.
  function niceStep(span, ticks) {
    const raw = span / ticks;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  }
  const TIME_STEPS = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
    10800, 21600, 43200, 86400];
  function timeStep(spanS) {
    for (const s of TIME_STEPS) if (spanS / s <= 8) return s;
    return 86400 * Math.ceil(spanS / 86400 / 8);
  }

  function initQuery() {
    const form = document.getElementById('query-form');
    const expr = document.getElementById('expr');
    const range = document.getElementById('range');
    const end = document.getElementById('end');
    const tabInput = document.getElementById('tab');
    const errorBox = document.getElementById('error');
    const status = document.getElementById('status');
    const tableOut = document.getElementById('result-table');
    const graphOut = document.getElementById('result-graph');
    let tab = tabInput.value === 'graph' ? 'graph' : 'table';
    let seq = 0;

    function selectTab(t) {
      tab = t;
      tabInput.value = t;
      for (const b of document.querySelectorAll('.tab')) {
        const on = b.dataset.tab === t;
        b.classList.toggle('selected', on);
        b.setAttribute('aria-selected', on ? 'true' : 'false');
      }
      tableOut.hidden = t !== 'table';
      graphOut.hidden = t !== 'graph';
    }

    function endMs() {
      if (!end.value) return Date.now();
      const ms = Date.parse(end.value + 'Z');
      return isNaN(ms) ? Date.now() : ms;
    }

    function showError(message) {
      errorBox.replaceChildren();
      errorBox.appendChild(el('div', { class: 'message' }, message));
      // Parse errors say where: "1:14: parse error: …".
      const m = /(?:^|\s)(\d+):(\d+): /.exec(message);
      if (m) {
        const lineNo = Number(m[1]);
        const col = Number(m[2]);
        const line = expr.value.split('\n')[lineNo - 1];
        if (line !== undefined) {
          const caret = ' '.repeat(Math.max(0, col - 1)) + '^';
          errorBox.appendChild(el('pre', { class: 'error-position' },
            line + '\n' + caret));
          let offset = 0;
          const lines = expr.value.split('\n');
          for (let i = 0; i < lineNo - 1; i++) offset += lines[i].length + 1;
          offset += Math.max(0, col - 1);
          expr.setSelectionRange(offset, Math.min(expr.value.length, offset + 1));
        }
      }
      errorBox.hidden = false;
    }

    async function api(path, params) {
      const resp = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params),
        credentials: 'same-origin',
      });
      let body;
      try {
        body = await resp.json();
      } catch (e) {
        throw new Error('HTTP ' + resp.status + ' ' + resp.statusText);
      }
      if (body.status !== 'success') {
        throw new Error(body.error || ('HTTP ' + resp.status));
      }
      return body;
    }

    function renderTable(data) {
      const table = el('table', { class: 'result-table' });
      const head = el('thead');
      const hr = el('tr');
      hr.appendChild(el('th', {}, 'Series'));
      hr.appendChild(el('th', {}, 'Value'));
      head.appendChild(hr);
      table.appendChild(head);
      const body = el('tbody');
      const row = (name, value) => {
        const tr = el('tr');
        tr.appendChild(el('td', { class: 'series' }, name));
        tr.appendChild(el('td', { class: 'value' }, value));
        body.appendChild(tr);
      };
      const r = data.result;
      if (data.resultType === 'vector') {
        for (const s of r.slice(0, MAX_ROWS)) row(seriesName(s.metric), formatValue(s.value[1]));
      } else if (data.resultType === 'matrix') {
        for (const s of r.slice(0, MAX_ROWS)) {
          row(seriesName(s.metric), (s.values || []).map(
            (v) => formatValue(v[1]) + ' @' + v[0]).join('\n'));
        }
      } else if (data.resultType === 'scalar' || data.resultType === 'string') {
        row(data.resultType, String(r[1]));
      }
      table.appendChild(body);
      tableOut.replaceChildren(table);
      const n = Array.isArray(r) && data.resultType !== 'scalar' &&
        data.resultType !== 'string' ? r.length : 1;
      return n + (n === 1 ? ' result' : ' results') +
        (n > MAX_ROWS ? ', the first ' + MAX_ROWS + ' shown' : '');
    }

    function renderGraph(data, startMs, endMsV, stepS) {
      graphOut.replaceChildren();
      if (data.resultType !== 'matrix') {
        graphOut.appendChild(el('p', {}, 'The expression is a ' +
          data.resultType + ', which has no graph.'));
        return '';
      }
      const all = data.result;
      const series = all.slice(0, MAX_SERIES);
      const W = Math.max(480, graphOut.clientWidth || 900);
      const H = Math.round(Math.min(420, Math.max(260, W * 0.36)));
      const M = { left: 64, right: 16, top: 10, bottom: 28 };
      let lo = Infinity;
      let hi = -Infinity;
      const parsed = series.map((s) => (s.values || []).map(
        (v) => [v[0] * 1000, Number(v[1])]).filter((p) => isFinite(p[1])));
      for (const pts of parsed) {
        for (const p of pts) { lo = Math.min(lo, p[1]); hi = Math.max(hi, p[1]); }
      }
      if (lo === Infinity) { lo = 0; hi = 1; }
      if (lo === hi) { lo -= lo === 0 ? 1 : Math.abs(lo) * 0.1; hi += hi === 0 ? 1 : Math.abs(hi) * 0.1; }
      const yStep = niceStep(hi - lo, 5);
      lo = Math.floor(lo / yStep) * yStep;
      hi = Math.ceil(hi / yStep) * yStep;
      const x = (t) => M.left + (t - startMs) / (endMsV - startMs) * (W - M.left - M.right);
      const y = (v) => M.top + (hi - v) / (hi - lo) * (H - M.top - M.bottom);

      const root = svg('svg', { class: 'graph', viewBox: '0 0 ' + W + ' ' + H,
        width: W, height: H, role: 'img', 'aria-label': 'graph of ' + expr.value });
      const grid = svg('g', { class: 'grid' });
      const axis = svg('g', { class: 'axis' });
      for (let v = lo; v <= hi + yStep / 2; v += yStep) {
        grid.appendChild(svg('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }));
        const t = svg('text', { x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end' });
        t.textContent = formatValue(v);
        axis.appendChild(t);
      }
      const ts = timeStep((endMsV - startMs) / 1000) * 1000;
      const withDate = endMsV - startMs > 86400000;
      for (let t = Math.ceil(startMs / ts) * ts; t <= endMsV; t += ts) {
        grid.appendChild(svg('line', { x1: x(t), x2: x(t), y1: M.top, y2: H - M.bottom }));
        const label = svg('text', { x: x(t), y: H - 8, 'text-anchor': 'middle' });
        label.textContent = withDate ? formatTime(t, true).slice(5, 16) : formatTime(t, false);
        axis.appendChild(label);
      }
      root.appendChild(grid);
      root.appendChild(axis);

      const paths = [];
      const gap = stepS * 1000 * 1.5;
      parsed.forEach((pts, i) => {
        let d = '';
        let last = -Infinity;
        for (const p of pts) {
          d += (p[0] - last > gap ? 'M' : 'L') + x(p[0]).toFixed(1) + ' ' + y(p[1]).toFixed(1);
          last = p[0];
        }
        // A lone point would be invisible as a path: a short tick.
        if (pts.length === 1) d += 'h1';
        const color = PALETTE[i % PALETTE.length];
        const path = svg('path', { class: 'series', d: d || 'M0 0', stroke: color,
          'data-series': seriesName(series[i].metric) });
        paths.push(path);
        root.appendChild(path);
      });
      const cursor = svg('line', { class: 'cursor', y1: M.top, y2: H - M.bottom, visibility: 'hidden' });
      root.appendChild(cursor);

      const wrap = el('div', { class: 'graph-wrap' });
      wrap.appendChild(root);
      const tip = el('div', { class: 'tooltip' });
      tip.hidden = true;
      wrap.appendChild(tip);
      graphOut.appendChild(wrap);

      // Hover: the values of every series at the nearest step.
      root.addEventListener('mousemove', (ev) => {
        const box = root.getBoundingClientRect();
        const px = (ev.clientX - box.left) * W / box.width;
        if (px < M.left || px > W - M.right) { cursor.setAttribute('visibility', 'hidden'); tip.hidden = true; return; }
        const t = startMs + (px - M.left) / (W - M.left - M.right) * (endMsV - startMs);
        const snapped = startMs + Math.round((t - startMs) / (stepS * 1000)) * stepS * 1000;
        cursor.setAttribute('x1', x(snapped));
        cursor.setAttribute('x2', x(snapped));
        cursor.setAttribute('visibility', 'visible');
        const rows = [];
        parsed.forEach((pts, i) => {
          const p = pts.find((q) => Math.abs(q[0] - snapped) < stepS * 500);
          if (p) rows.push([p[1], i]);
        });
        rows.sort((a, b) => b[0] - a[0]);
        tip.replaceChildren(el('div', {}, formatTime(snapped, true) + ' UTC'));
        for (const [v, i] of rows.slice(0, 12)) {
          const r = el('div', { class: 'row' });
          r.appendChild(swatch(PALETTE[i % PALETTE.length]));
          r.appendChild(el('b', {}, formatValue(v)));
          r.appendChild(el('span', {}, seriesName(series[i].metric)));
          tip.appendChild(r);
        }
        if (rows.length > 12) tip.appendChild(el('div', {}, '… ' + (rows.length - 12) + ' more'));
        tip.hidden = rows.length === 0;
        // Beside the cursor, on the side with more room.
        const cx = ev.clientX - box.left;
        if (cx > box.width / 2) {
          tip.style.left = '';
          tip.style.right = (box.width - cx + 16) + 'px';
        } else {
          tip.style.right = '';
          tip.style.left = (cx + 16) + 'px';
        }
        tip.style.top = Math.max(0, ev.clientY - box.top - 10) + 'px';
      });
      root.addEventListener('mouseleave', () => { cursor.setAttribute('visibility', 'hidden'); tip.hidden = true; });

      const legend = el('ul', { class: 'legend' });
      series.forEach((s, i) => {
        const li = el('li');
        li.appendChild(swatch(PALETTE[i % PALETTE.length]));
        li.appendChild(document.createTextNode(seriesName(s.metric)));
        li.addEventListener('mouseenter', () => paths[i].classList.add('highlight'));
        li.addEventListener('mouseleave', () => paths[i].classList.remove('highlight'));
        legend.appendChild(li);
      });
      graphOut.appendChild(legend);
      let note = all.length + (all.length === 1 ? ' series' : ' series');
      if (all.length > MAX_SERIES) note += ', the first ' + MAX_SERIES + ' drawn';
      return note;
    }

    function swatch(color) {
      const s = svg('svg', { width: 12, height: 12, 'aria-hidden': 'true' });
      s.appendChild(svg('rect', { width: 12, height: 12, rx: 2, fill: color }));
      return s;
    }

    async function run() {
      const q = expr.value.trim();
      const mine = ++seq;
      const url = new URL(window.location.href);
      url.search = '';
      url.searchParams.set('expr', expr.value);
      url.searchParams.set('tab', tab);
      url.searchParams.set('range', range.value);
      if (end.value) url.searchParams.set('end', end.value);
      history.replaceState(null, '', url.pathname + url.search);
      errorBox.hidden = true;
      for (const w of document.querySelectorAll('.warning')) w.remove();
      if (!q) { tableOut.replaceChildren(); graphOut.replaceChildren(); status.textContent = ''; return; }
      status.textContent = 'Running…';
      const started = performance.now();
      try {
        let note;
        const e = endMs();
        if (tab === 'table') {
          const body = await api('api/v1/query', { query: q, time: e / 1000 });
          if (mine !== seq) return;
          note = renderTable(body.data);
          addWarnings(body);
        } else {
          const rangeS = RANGE_SECONDS[range.value] || 3600;
          const stepS = Math.max(1, Math.ceil(rangeS / TARGET_POINTS));
          const startMs = e - rangeS * 1000;
          const body = await api('api/v1/query_range', {
            query: q, start: startMs / 1000, end: e / 1000, step: stepS });
          if (mine !== seq) return;
          note = renderGraph(body.data, startMs, e, stepS);
          addWarnings(body);
        }
        status.textContent = note + ' · ' + Math.round(performance.now() - started) + ' ms';
        // What is shown now, for whoever waits for it (tests).
        (tab === 'table' ? tableOut : graphOut).dataset.expr = q;
      } catch (err) {
        if (mine !== seq) return;
        status.textContent = '';
        (tab === 'table' ? tableOut : graphOut).replaceChildren();
        showError(err.message);
        errorBox.dataset.expr = q;
      }
    }

    function addWarnings(body) {
      const notes = (body.warnings || []).concat(body.infos || []);
      for (const w of notes) status.parentNode.insertBefore(el('div', { class: 'muted warning' }, w), status);
    }

    form.addEventListener('submit', (ev) => { ev.preventDefault(); run(); });
    expr.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); run(); }
    });
    for (const b of document.querySelectorAll('.tab')) {
      b.addEventListener('click', () => { selectTab(b.dataset.tab); run(); });
    }
    range.addEventListener('change', () => { if (tab === 'graph') run(); });
    selectTab(tab);
    if (expr.value.trim()) run();
  }

  // Printing opens every collapsed section: a ticket gets the whole page.
  window.addEventListener('beforeprint', () => {
    for (const d of document.querySelectorAll('details')) d.open = true;
  });

  document.addEventListener('DOMContentLoaded', () => {
    if (document.body.dataset.page === 'query') initQuery();
  });
})();
