/* Dashboard: the actions-per-minute chart (uPlot) and live refresh of every section. */
(function () {
  'use strict';
  var chart = null;

  function data() {
    var el = document.querySelector('[data-chart]');
    if (!el) return null;
    try { return JSON.parse(el.getAttribute('data-chart')); } catch (e) { return null; }
  }

  function draw() {
    var d = data();
    var box = document.querySelector('[data-chart-canvas]');
    if (!d || !box || !window.uPlot) return;
    var rows = [d.x].concat(d.series.map(function (s) { return s.values; }));
    if (chart) { chart.setData(rows); return; }
    var lang = document.documentElement.lang || 'fr';
    var tz = box.getAttribute('data-tz') || undefined;
    function hhmm(seconds) {
      try {
        return new Date(seconds * 1000).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit', timeZone: tz });
      } catch (e) {
        return new Date(seconds * 1000).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
      }
    }
    var font = '15px system-ui, sans-serif';
    chart = new window.uPlot({
      width: box.clientWidth || 600,
      height: 260,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(4, max + 1)]; } } },
      axes: [
        { font: font, stroke: '#374151', space: 70, values: function (u, v) { return v.map(hhmm); } },
        { font: font, stroke: '#374151', values: function (u, v) { return v.map(function (n) { return Number.isInteger(n) ? n : ''; }); } }
      ],
      series: [{}].concat(d.series.map(function (s) {
        return { label: s.label, stroke: s.colour, width: 2, points: { show: false } };
      }))
    }, rows, box);
    if (window.ResizeObserver) {
      new ResizeObserver(function () { chart.setSize({ width: box.clientWidth, height: 260 }); }).observe(box);
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    draw();
    var refresh = window.Tickets.debounce(200, function () { window.Tickets.refresh().then(draw); });
    window.Tickets.stream({ state: refresh, queue: refresh });
    // The waiting times grow with the clock, not only with events.
    window.Tickets.every(30000, refresh);
  });
})();
