// The live page: the TPS chart (uPlot on a canvas), the live / paused / disconnected badge, the pause button,
// and explorer links. Panels themselves are HTML swapped in by htmx's SSE extension.
(function () {
  'use strict';
  var WINDOW_POINTS = 600; // ten minutes of one-second samples, as the server keeps
  var paused = false;
  var connected = false;
  var chart = null;
  var series = [[], [], []]; // time (s), accepted/s, rejected/s
  window.omniConsole = { samplesReceived: 0 };

  function badge() {
    var b = document.getElementById('live-badge');
    var state = !connected ? 'disconnected' : paused ? 'paused' : 'live';
    b.textContent = state;
    b.className = 'badge ' + state;
  }

  function addSample(s) {
    series[0].push(s.t / 1000);
    series[1].push(s.accepted);
    series[2].push(s.rejected);
    if (series[0].length > WINDOW_POINTS) { series.forEach(function (a) { a.shift(); }); }
    window.omniConsole.samplesReceived++;
  }

  function draw() {
    var box = document.getElementById('tps-chart');
    var width = Math.max(280, box.clientWidth);
    if (!chart) {
      chart = new uPlot({
        width: width, height: 220,
        scales: { x: { time: true } },
        axes: [{}, { label: 'transfers/s' }],
        series: [{ label: 'time' },
          { label: 'accepted (transfers/s)', stroke: '#2e9d5b', width: 2 },
          { label: 'rejected (transfers/s)', stroke: '#d64545', width: 2 }]
      }, series, box);
      window.addEventListener('resize', function () { chart.setSize({ width: Math.max(280, box.clientWidth), height: 220 }); });
    } else {
      chart.setData(series);
    }
    box.dataset.points = String(series[0].length);
    box.dataset.lastAccepted = String(series[1].length ? series[1][series[1].length - 1] : 0);
    box.dataset.acceptedSum = String(series[1].reduce(function (a, b) { return a + b; }, 0));
  }

  document.addEventListener('htmx:sseOpen', function () { connected = true; badge(); });
  document.addEventListener('htmx:sseError', function () { connected = false; badge(); });
  document.addEventListener('htmx:sseBeforeMessage', function (e) {
    var type = e.detail.type;
    if (type === 'signedout') {
      e.preventDefault();
      window.location.assign('/login');
      return;
    }
    if (paused) { e.preventDefault(); return; }
    if (type === 'tps') {
      e.preventDefault();
      series = [[], [], []];
      JSON.parse(e.detail.data).samples.forEach(addSample);
      draw();
    } else if (type === 'sample') {
      e.preventDefault();
      addSample(JSON.parse(e.detail.data));
      draw();
    }
  });

  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('pause').addEventListener('click', function (e) {
      paused = !paused;
      e.target.textContent = paused ? 'resume' : 'pause';
      badge();
    });
    document.body.addEventListener('click', function (e) {
      var link = e.target.closest('a.transfer-link, a.account-link, a.history-link');
      if (!link) { return; }
      e.preventDefault();
      var url = link.classList.contains('transfer-link')
        ? '/console/transfer?id=' + encodeURIComponent(link.dataset.id)
        : '/console/account?id=' + encodeURIComponent(link.dataset.account)
          + (link.dataset.before ? '&before=' + encodeURIComponent(link.dataset.before) : '');
      htmx.ajax('GET', url, '#explorer-result');
    });
    badge();
  });
})();
