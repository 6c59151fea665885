/* Reports: two charts (uPlot) drawn from the data the page carries in #report-data:
 * tickets taken per day, stacked by service, and the median and 90th percentile wait per
 * day with the target as a dashed line. The page's tables hold the same figures and work
 * without this script; the charts stay hidden until drawn. On paper they are drawn again,
 * smaller, at their printed size. */
(function () {
  'use strict';
  var axisInk = '#374151';
  var grid = { stroke: '#e5e7eb', width: 1 };
  /* Sizes on screen and on paper (half of the A4 width, 186 mm, less the gap and borders). */
  var SCREEN = { font: 14, height: 240, width: null };
  var PAPER = { font: 10, height: 115, width: 340 };
  var paper = window.matchMedia ? window.matchMedia('print') : null;
  var data = null, charts = [], printing = false;

  function readData() {
    var el = document.getElementById('report-data');
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function mode() { return printing || (paper && paper.matches) ? PAPER : SCREEN; }
  function fontOf(m) { return m.font + 'px system-ui, sans-serif'; }

  /* Day labels under the bars: as many as fit, one day in `step`. */
  function dayAxis(labels, m) {
    var n = labels.length;
    return {
      font: fontOf(m),
      stroke: axisInk,
      grid: { show: false },
      ticks: { show: false },
      size: m.font * 2 + 6,
      splits: function (u) {
        var width = u.bbox.width / (window.devicePixelRatio || 1);
        var fit = Math.max(1, Math.floor(width / (m.font * 5.5)));
        var step = Math.max(1, Math.ceil(n / fit));
        var out = [];
        for (var i = 0; i < n; i += step) out.push(i);
        return out;
      },
      values: function (u, splits) {
        return splits.map(function (i) { return labels[i] || ''; });
      }
    };
  }

  function valueAxis(format, m) {
    return {
      font: fontOf(m),
      stroke: axisInk,
      grid: grid,
      size: m.font * 4,
      values: function (u, v) { return v.map(format); }
    };
  }

  function xScale(n) {
    return { time: false, range: function () { return [-0.5, n - 0.5]; } };
  }

  function integers(v) { return Number.isInteger(v) ? String(v) : ''; }

  /* Tickets per day, one band per service: each series is the running total up to its
   * service, drawn from the top down so that each band covers the one above it. */
  function takenChart(box, d, m) {
    var n = d.days.length;
    var x = d.days.map(function (_, i) { return i; });
    var running = x.map(function () { return 0; });
    var totals = d.services.map(function (s) {
      running = running.map(function (v, i) { return v + (s.values[i] || 0); });
      return running.slice();
    });
    var bars = window.uPlot.paths.bars({ size: [0.7, 64], align: 0 });
    var series = [{}], rows = [x];
    for (var i = d.services.length - 1; i >= 0; i--) {
      var s = d.services[i];
      series.push({ label: s.label, stroke: s.colour, fill: s.colour, width: 0, paths: bars, points: { show: false } });
      rows.push(totals[i]);
    }
    var top = Math.max.apply(null, [1].concat(running));
    return new window.uPlot({
      width: m.width || box.clientWidth || 500,
      height: m.height,
      legend: { show: false },
      cursor: { show: false },
      padding: [10, 12, 0, 0],
      scales: { x: xScale(n), y: { range: [0, Math.max(4, Math.ceil(top * 1.1))] } },
      axes: [dayAxis(d.days, m), valueAxis(integers, m)],
      series: series
    }, rows, box);
  }

  /* Minutes as minutes:seconds: 0.5 → "0:30". */
  function minSec(v) {
    var s = Math.round(v * 60);
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }

  /* Waits' axis: ticks at 0 and every step (5 s … 4 h), four or five of them. */
  var STEPS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400].map(function (s) { return s / 60; });
  function waitSplits(u, axis, min, max) {
    var step = STEPS.find(function (s) { return max / s <= 5; }) || STEPS[STEPS.length - 1];
    var out = [];
    for (var v = 0; v <= max + 1e-9; v += step) out.push(v);
    return out;
  }

  /* Median and P90 wait per day (minutes:seconds), with the target across the chart. */
  function waitsChart(box, d, m) {
    var n = d.days.length;
    var x = d.days.map(function (_, i) { return i; });
    var values = d.median.concat(d.p90).filter(function (v) { return v !== null; });
    // At least half a minute high, so that waits of a few seconds stay near the bottom.
    var top = Math.max.apply(null, [0.5 / 1.15, d.target || 0].concat(values));
    var target = d.target;
    var waitAxis = valueAxis(minSec, m);
    waitAxis.splits = waitSplits;
    return new window.uPlot({
      width: m.width || box.clientWidth || 500,
      height: m.height,
      legend: { show: false },
      cursor: { show: false },
      padding: [10, 12, 0, 0],
      scales: { x: xScale(n), y: { range: [0, top * 1.15] } },
      axes: [dayAxis(d.days, m), waitAxis],
      series: [
        {},
        { label: d.text.median, stroke: '#1d4ed8', width: 3, points: { show: true, size: 7, fill: '#1d4ed8' } },
        { label: d.text.p90, stroke: '#b45309', width: 2, dash: [7, 4], points: { show: true, size: 6, fill: '#b45309' } }
      ],
      hooks: {
        draw: [function (u) {
          if (target === null || target === undefined) return;
          var ctx = u.ctx, dpr = window.devicePixelRatio || 1;
          var y = Math.round(u.valToPos(target, 'y', true));
          ctx.save();
          ctx.strokeStyle = '#b91c1c';
          ctx.lineWidth = 2 * dpr;
          ctx.setLineDash([3 * dpr, 4 * dpr]);
          ctx.beginPath();
          ctx.moveTo(u.bbox.left, y);
          ctx.lineTo(u.bbox.left + u.bbox.width, y);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = '#991b1b';
          ctx.font = Math.round((m.font - 2) * dpr) + 'px system-ui, sans-serif';
          ctx.textAlign = 'right';
          ctx.textBaseline = 'bottom';
          ctx.fillText(d.text.target + ' ' + target + ' ' + d.text.minutes, u.bbox.left + u.bbox.width - 4 * dpr, y - 3 * dpr);
          ctx.restore();
        }]
      }
    }, [x, d.median, d.p90], box);
  }

  var MAKERS = { taken: takenChart, waits: waitsChart };

  /* Draws every chart for the current medium (again, when it changed). */
  function draw() {
    var m = mode();
    charts.forEach(function (c) { c.plot.destroy(); });
    charts = [];
    document.querySelectorAll('[data-report-chart]').forEach(function (box) {
      var make = MAKERS[box.getAttribute('data-report-chart')];
      if (make) charts.push({ box: box, mode: m, plot: make(box, data, m) });
    });
  }

  /* Follows the box's width on screen. */
  function fit() {
    var m = mode();
    if (charts.some(function (c) { return c.mode !== m; })) { draw(); return; }
    if (m.width) return;
    charts.forEach(function (c) {
      var w = c.box.clientWidth;
      if (w > 0 && w !== c.plot.width) c.plot.setSize({ width: w, height: m.height });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    data = readData();
    var wrap = document.querySelector('[data-report-charts]');
    if (!data || !wrap || !window.uPlot) return;
    wrap.hidden = false;
    draw();
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(function () { fit(); });
      document.querySelectorAll('[data-report-chart]').forEach(function (box) { observer.observe(box); });
    }
    window.addEventListener('beforeprint', function () { printing = true; fit(); });
    window.addEventListener('afterprint', function () { printing = false; fit(); });
    if (paper && paper.addEventListener) paper.addEventListener('change', fit);
  });
})();
