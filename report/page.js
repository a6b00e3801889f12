/*
 * The report page's script, inlined into the page by report/render.ts. It formats axis ticks with
 * the same unit ladders as the tables (IEC sizes, ns to s), keeps only the gridlines a log axis's
 * caption promises, and draws the markers (the end of the warm-up, 1× a baseline) as dashed lines.
 * It reads the charts from the page's `chart-specs` JSON; chart.js is inlined before it.
 */
/* global Chart, document, window */
(function () {
  var page = JSON.parse(document.getElementById('chart-specs').textContent);
  function onLadder(v, ladder) {
    if (!isFinite(v)) return '–';
    var a = Math.abs(v), sign = v < 0 ? '-' : '';
    if (a === 0) return '0 ' + ladder.filter(function (u) { return u[1] === 1; })[0][0];
    var i = 0;
    while (i + 1 < ladder.length && a >= ladder[i + 1][1]) i++;
    function shown(k) { var n = a / ladder[k][1]; return n >= 100 ? Math.round(n) : +n.toPrecision(3); }
    var n = shown(i);
    if (i + 1 < ladder.length && n * ladder[i][1] >= ladder[i + 1][1]) { i++; n = shown(i); }
    return sign + n + ' ' + ladder[i][0];
  }
  var formats = {
    us: function (v) { return onLadder(v, page.units.duration); },
    bytes: function (v) { return onLadder(v, page.units.bytes); },
    share: function (v) { return +(v * 100).toPrecision(3) + '%'; },
    ratio: function (v) { return +v.toPrecision(3) + '×'; },
    number: function (v) { return +v.toPrecision(4) + ''; },
    seconds: function (v) { return v + ' s'; }
  };
  window.reportFormats = formats;
  function onGrid(value, grid) {
    if (!(value > 0)) return false;
    var mantissa = value / Math.pow(10, Math.floor(Math.log10(value) + 1e-9));
    var steps = grid === 'decades' ? [1, 10] : [1, 2, 5, 10];
    return steps.some(function (s) { return Math.abs(mantissa - s) < 1e-6 * s; });
  }
  var markers = {
    id: 'markers',
    afterDatasetsDraw: function (chart, args, options) {
      var ctx = chart.ctx, area = chart.chartArea;
      (options.items || []).forEach(function (m) {
        var scale = chart.scales[m.axis];
        if (!scale) return;
        var p = scale.getPixelForValue(m.value);
        var vertical = m.axis === 'x';
        if (!isFinite(p) || (vertical ? p < area.left || p > area.right : p < area.top || p > area.bottom)) return;
        ctx.save();
        ctx.strokeStyle = '#343a40'; ctx.fillStyle = '#343a40'; ctx.lineWidth = 1.5; ctx.setLineDash([6, 4]);
        ctx.beginPath();
        if (vertical) { ctx.moveTo(p, area.top); ctx.lineTo(p, area.bottom); } else { ctx.moveTo(area.left, p); ctx.lineTo(area.right, p); }
        ctx.stroke();
        ctx.font = '12px system-ui, sans-serif';
        var width = ctx.measureText(m.label).width;
        var x = vertical ? (p + 4 + width > area.right ? p - 4 - width : p + 4) : area.left + 4;
        var y = vertical ? area.top + 14 : p - 5;
        ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
        ctx.fillRect(x - 2, y - 11, width + 4, 14);
        ctx.fillStyle = '#343a40';
        ctx.fillText(m.label, x, y);
        ctx.restore();
      });
    }
  };
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  page.charts.forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    var config = spec.config;
    config.options = config.options || {};
    config.options.scales = config.options.scales || {};
    Object.keys(spec.formats).forEach(function (axis) {
      var scale = config.options.scales[axis] = config.options.scales[axis] || {};
      scale.ticks = Object.assign({}, scale.ticks, { callback: function (value) { return formats[spec.formats[axis]](Number(value)); } });
    });
    Object.keys(spec.logGrid).forEach(function (axis) {
      var scale = config.options.scales[axis];
      scale.ticks = Object.assign({}, scale.ticks, { autoSkip: false });
      scale.afterBuildTicks = function (s) { s.ticks = s.ticks.filter(function (t) { return onGrid(t.value, spec.logGrid[axis]); }); };
    });
    config.options.plugins = Object.assign({ tooltip: { callbacks: { label: function (ctx) {
      var axis = ctx.dataset.yAxisID || (config.options.indexAxis === 'y' ? 'x' : 'y');
      var f = formats[spec.formats[axis]] || formats.number;
      var raw = ctx.raw; var value = typeof raw === 'object' && raw !== null ? raw.y : raw;
      return ctx.dataset.label + ': ' + f(Number(value)) + (raw && raw.label ? ' (' + raw.label + ')' : '');
    } } } }, config.options.plugins || {}, { markers: { items: spec.markers } });
    config.plugins = [markers];
    new Chart(canvas, config);
  });
  document.body.setAttribute('data-charts-ready', String(page.charts.length));
})();
/*
 * The projection table: when the reader changes an input, the same arithmetic as the report's
 * (report/projection.js, `chatProjection`, inlined before this script) builds its rows again, in
 * the markup report/projection-section.ts renders. A bad input says what is allowed, in place.
 */
(function () {
  var form = document.getElementById('projection-inputs');
  if (!form || !window.chatProjection) return;
  var page = JSON.parse(document.getElementById('chart-specs').textContent);
  var measured = page.projection || [];
  var users = document.getElementById('projection-users');
  var room = document.getElementById('projection-room');
  var rate = document.getElementById('projection-rate');
  var body = document.getElementById('projection-rows');
  var totals = document.getElementById('projection-totals');
  var error = document.getElementById('projection-error');
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function update() {
    var table;
    try {
      table = window.chatProjection.table({ users: Number(users.value), roomSize: Number(room.value), messagesPerUserPerMinute: Number(rate.value) }, measured);
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      body.setAttribute('data-stale', 'true');
      return;
    }
    error.hidden = true;
    body.removeAttribute('data-stale');
    totals.textContent = table.totals;
    body.textContent = '';
    table.rows.forEach(function (row) {
      var tr = el('tr');
      tr.setAttribute('data-transport', row.transport);
      var th = el('th', '', row.name);
      th.setAttribute('scope', 'row');
      tr.appendChild(th);
      var basis = el('td', 'basis', row.basis);
      row.caveats.forEach(function (c) { basis.appendChild(el('span', 'caveat-note', c)); });
      tr.appendChild(basis);
      row.cells.forEach(function (c) {
        var td = el('td', c.missing ? 'proj-cell missing' : 'proj-cell');
        td.appendChild(el('span', 'value', c.text));
        td.appendChild(el('span', 'formula', c.formula));
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    document.body.setAttribute('data-projection-updates', String(Number(document.body.getAttribute('data-projection-updates') || 0) + 1));
  }
  form.addEventListener('input', update);
  form.addEventListener('submit', function (e) { e.preventDefault(); update(); });
})();
