/* Dashboard: the actions-per-minute chart and the waiting-per-service chart (uPlot), and
 * live refresh of every section. The per-service chart is sampled by this page at each
 * change (the server sends the counts now); its points are kept for the day in the tab's
 * session storage, so a reload keeps the lines. */
(function () {
  'use strict';
  var chart = null, serviceChart = null;
  var lang = document.documentElement.lang || 'fr';
  var font = '15px system-ui, sans-serif';
  /* Points kept per service: two hours at one point a minute at least. */
  var KEPT = 720;

  function json(selector, attr) {
    var el = document.querySelector(selector);
    if (!el) return null;
    try { return JSON.parse(el.getAttribute(attr)); } catch (e) { return null; }
  }

  /* Times on the axis: hours and minutes, with seconds when the chart spans minutes. */
  function clockIn(tz, withSeconds) {
    var opts = { hour: '2-digit', minute: '2-digit', hour12: false };
    if (withSeconds) opts.second = '2-digit';
    return function (seconds) {
      try {
        return new Date(seconds * 1000).toLocaleTimeString(lang, Object.assign({ timeZone: tz }, opts));
      } catch (e) {
        return new Date(seconds * 1000).toLocaleTimeString(lang, opts);
      }
    };
  }

  function options(box, series, yRange) {
    var tz = box.getAttribute('data-tz') || undefined;
    var hhmm = clockIn(tz, false), hhmmss = clockIn(tz, true);
    return {
      width: box.clientWidth || 600,
      height: 260,
      legend: { show: false },
      padding: [8, 28, 0, 0],
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: yRange } },
      axes: [
        { font: font, stroke: '#374151', space: 90, values: function (u, v) {
          var span = u.scales.x.max - u.scales.x.min;
          return v.map(span < 600 ? hhmmss : hhmm);
        } },
        { font: font, stroke: '#374151', values: function (u, v) { return v.map(function (n) { return Number.isInteger(n) ? n : ''; }); } }
      ],
      series: [{}].concat(series)
    };
  }

  function follow(box, get) {
    if (window.ResizeObserver) {
      new ResizeObserver(function () { var c = get(); if (c) c.setSize({ width: box.clientWidth, height: 260 }); }).observe(box);
    }
  }

  function draw() {
    var d = json('[data-chart]', 'data-chart');
    var box = document.querySelector('[data-chart-canvas]');
    if (!d || !box || !window.uPlot) return;
    var rows = [d.x].concat(d.series.map(function (s) { return s.values; }));
    if (chart) { chart.setData(rows); return; }
    chart = new window.uPlot(options(box, d.series.map(function (s) {
      return { label: s.label, stroke: s.colour, width: 2, points: { show: false } };
    }), function (u, min, max) { return [0, Math.max(4, max + 1)]; }), rows, box);
    follow(box, function () { return chart; });
  }

  /* The day's samples: {codes: [...], points: [[t, w1, w2, …], …]}. */
  function history(day) {
    try {
      var h = JSON.parse(sessionStorage.getItem('tickets-service-waiting') || 'null');
      if (h && h.day === day) return h;
    } catch (e) { /* no storage here */ }
    return { day: day, codes: [], points: [] };
  }

  function drawServices() {
    var d = json('[data-service-chart]', 'data-service-chart');
    var box = document.querySelector('[data-service-chart-canvas]');
    if (!d || !box || !window.uPlot) return;
    var h = history(d.day);
    var codes = d.series.map(function (s) { return s.code; });
    if (h.codes.join(' ') !== codes.join(' ')) { h = { day: d.day, codes: codes, points: [] }; }
    var now = Math.max(d.at, Math.floor(Date.now() / 1000));
    var values = d.series.map(function (s) { return s.waiting; });
    var last = h.points[h.points.length - 1];
    if (last && last[0] === now) h.points[h.points.length - 1] = [now].concat(values);
    else h.points.push([now].concat(values));
    if (h.points.length > KEPT) h.points = h.points.slice(-KEPT);
    try { sessionStorage.setItem('tickets-service-waiting', JSON.stringify(h)); } catch (e) { /* full or off */ }
    // A single point draws no line: start it one minute earlier at the same height; and
    // carry the last counts a little past the last change, so that they show as a step.
    var points = h.points.length > 1 ? h.points.slice() : [[now - 60].concat(values)].concat(h.points);
    var lastAt = points[points.length - 1][0];
    points.push([lastAt + Math.max(5, Math.round((lastAt - points[0][0]) / 20))].concat(values));
    var rows = [points.map(function (p) { return p[0]; })].concat(codes.map(function (c, i) {
      return points.map(function (p) { return p[i + 1]; });
    }));
    if (serviceChart && serviceChart.series.length === codes.length + 1) { serviceChart.setData(rows); return; }
    if (serviceChart) { serviceChart.destroy(); }
    serviceChart = new window.uPlot(options(box, d.series.map(function (s) {
      return { label: s.label, stroke: s.colour, width: 3, points: { show: false }, paths: window.uPlot.paths.stepped({ align: 1 }) };
    }), function (u, min, max) { return [0, Math.max(4, max + 1)]; }), rows, box);
    follow(box, function () { return serviceChart; });
  }

  function drawAll() { draw(); drawServices(); }

  document.addEventListener('DOMContentLoaded', function () {
    drawAll();
    var refresh = window.Tickets.debounce(200, function () { window.Tickets.refresh().then(drawAll); });
    window.Tickets.stream({ state: refresh, queue: refresh });
    // The waiting times grow with the clock, not only with events.
    window.Tickets.every(30000, refresh);
  });
})();
