/* OsteoFys: the test charts on the patient page (vendored uPlot). Values over time, the cut-off as a
   dashed line, "kunne ikke" as a marker at the worse side of the cut-off, and two results of one
   day side by side. The minimal detectable change (MDC95) is a shaded band around the previous
   result (the baseline while there is one result): a new result inside it is within measurement
   error. A chart with `series` (the training block's pain and effort) draws several lines on a
   fixed range. Without this file the page shows the same values in each chart's table. */
(function () {
  "use strict";

  var da = (document.documentElement.lang || "da").indexOf("en") !== 0;
  var MONTHS = da
    ? ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"]
    : ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  var SHORT = MONTHS.map(function (m) { return m.slice(0, 3); });
  var DAY = 86400;
  var RED = "#b42318";
  var BLUE = "#0b5a78";
  var BAND = "rgba(11, 90, 120, 0.14)";
  var BAND_EDGE = "rgba(11, 90, 120, 0.45)";
  // The training block's lines: pain during, pain the next day, effort (the page's legend).
  var SERIES = [
    { stroke: RED, width: 2, points: { show: true, size: 7, fill: RED } },
    { stroke: "#a65f00", width: 2, dash: [3, 3], points: { show: true, size: 7, fill: "#a65f00" } },
    { stroke: BLUE, width: 2, dash: [9, 4], points: { show: true, size: 7, fill: BLUE } }
  ];

  function number(v) {
    return da ? String(v).replace(".", ",") : String(v);
  }

  function finite(v) {
    return typeof v === "number" && isFinite(v);
  }

  // The day of each result as seconds (UTC midnight), before results of one day are spread.
  function days(d) {
    return d.x.map(function (s) {
      return Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10)) / 1000;
    });
  }

  // A second (third...) result of the same day moves right by a few percent of the time span:
  // at the same x it would be drawn exactly over the first one. The table keeps the true dates.
  function spread(xs, slots) {
    var span = Math.max(xs[xs.length - 1] - xs[0], 60 * DAY);
    var step = Math.max(span * 0.03, DAY / 4);
    return xs.map(function (x, i) { return x + (slots[i] || 0) * step; });
  }

  function drawUnable(u, xs, d) {
    var ctx = u.ctx, r = uPlot.pxRatio;
    var top = d.worse !== "low";
    var y = top ? u.bbox.top + 9 * r : u.bbox.top + u.bbox.height - 9 * r;
    ctx.save();
    ctx.strokeStyle = RED;
    ctx.fillStyle = RED;
    ctx.lineWidth = 2.5 * r;
    ctx.font = (11 * r) + "px sans-serif";
    ctx.textBaseline = "middle";
    d.unable.forEach(function (unable, i) {
      if (!unable) return;
      var x = u.valToPos(xs[i], "x", true), s = 5 * r;
      ctx.beginPath();
      ctx.moveTo(x - s, y - s); ctx.lineTo(x + s, y + s);
      ctx.moveTo(x + s, y - s); ctx.lineTo(x - s, y + s);
      ctx.stroke();
      var text = d.unable_label || "";
      var width = ctx.measureText(text).width;
      // The label on the side with room, inside the plot.
      var right = x + s + 4 * r + width < u.bbox.left + u.bbox.width;
      ctx.textAlign = right ? "left" : "right";
      ctx.fillText(text, right ? x + s + 4 * r : x - s - 4 * r, y);
    });
    ctx.restore();
  }

  function drawCutoff(u, cutoff) {
    var ctx = u.ctx, r = uPlot.pxRatio;
    var y = Math.round(u.valToPos(cutoff, "y", true)) + 0.5;
    ctx.save();
    ctx.strokeStyle = RED;
    ctx.lineWidth = 2 * r;
    ctx.setLineDash([7 * r, 5 * r]);
    ctx.beginPath();
    ctx.moveTo(u.bbox.left, y);
    ctx.lineTo(u.bbox.left + u.bbox.width, y);
    ctx.stroke();
    ctx.restore();
  }

  // The MDC band: from the previous result's day to the right edge, value ± MDC.
  function drawBand(u, xs, band) {
    var ctx = u.ctx;
    var top = u.valToPos(band.center + band.mdc, "y", true);
    var bottom = u.valToPos(Math.max(0, band.center - band.mdc), "y", true);
    var left = Math.max(u.bbox.left, u.valToPos(xs[band.from] || xs[0], "x", true));
    var right = u.bbox.left + u.bbox.width;
    ctx.save();
    ctx.fillStyle = BAND;
    ctx.fillRect(left, top, right - left, bottom - top);
    ctx.strokeStyle = BAND_EDGE;
    ctx.lineWidth = uPlot.pxRatio;
    ctx.beginPath();
    ctx.moveTo(left, Math.round(top) + 0.5); ctx.lineTo(right, Math.round(top) + 0.5);
    ctx.moveTo(left, Math.round(bottom) + 0.5); ctx.lineTo(right, Math.round(bottom) + 0.5);
    ctx.stroke();
    ctx.restore();
  }

  function yRange(d, cutoff) {
    if (d.range) return function () { return [d.range[0], d.range[1]]; };
    var numbers = d.y.filter(finite);
    var band = d.band && finite(d.band.center) && finite(d.band.mdc) ? d.band : null;
    var hasUnable = d.unable && d.unable.some(Boolean);
    return function (u, min, max) {
      if (!numbers.length) { min = null; max = null; }
      if (finite(cutoff)) {
        min = finite(min) ? Math.min(min, cutoff) : cutoff;
        max = finite(max) ? Math.max(max, cutoff) : cutoff;
      }
      if (band) { // the whole MDC band in view
        min = finite(min) ? Math.min(min, Math.max(0, band.center - band.mdc)) : band.center;
        max = finite(max) ? Math.max(max, band.center + band.mdc) : band.center;
      }
      if (!finite(min) || !finite(max)) { min = 0; max = 1; }
      var pad = (max - min) * 0.15 || Math.abs(max) * 0.2 || 1;
      // Room for the "kunne ikke" marker beyond the values, on the worse side.
      var extra = hasUnable ? pad : 0;
      var low = min - pad - (d.worse === "low" ? extra : 0);
      return [Math.max(0, low), max + pad + (d.worse !== "low" ? extra : 0)];
    };
  }

  function drawChart(el) {
    var script = el.querySelector('script[type="application/json"]');
    if (!script || !window.uPlot) return;
    var d = JSON.parse(script.textContent);
    if (typeof d === "string") d = JSON.parse(d); // json_script of an already-encoded string
    if (!d.x || !d.x.length) return;
    var lines = d.series || [{ label: d.label, y: d.y }];
    d.y = d.y || [];
    d.unable = d.unable || d.x.map(function () { return false; });
    var xs = spread(days(d), d.slot || []);
    var cutoff = d.cutoff;
    // A little room either side; a month each way when every value is from one day.
    var first = xs[0], last = xs[xs.length - 1];
    var padX = last - first < DAY ? 30 * DAY : Math.max((last - first) * 0.06, 3 * DAY);
    var xMin = first - padX, xMax = last + padX;
    var opts = {
      width: Math.max(260, el.clientWidth),
      height: 200,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "UTC"); },
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: { time: true, range: function () { return [xMin, xMax]; } },
        y: { range: yRange(d, cutoff) }
      },
      axes: [
        { stroke: "#4d5966", grid: { stroke: "#e6eaee" }, ticks: { stroke: "#d5dce3" }, space: 70,
          values: function (u, splits) {
            var long = u.scales.x.max - u.scales.x.min > 200 * DAY;
            return splits.map(function (ts) {
              var t = new Date(ts * 1000), m = SHORT[t.getUTCMonth()];
              return long ? m + " " + t.getUTCFullYear() : t.getUTCDate() + ". " + m;
            });
          } },
        { stroke: "#4d5966", grid: { stroke: "#e6eaee" }, ticks: { stroke: "#d5dce3" },
          values: function (u, splits) { return splits.map(number); } }
      ],
      series: [{}].concat(d.series
        ? lines.map(function (line, i) {
            var style = SERIES[i % SERIES.length];
            return { label: line.label, stroke: style.stroke, width: style.width, dash: style.dash,
                     points: style.points, spanGaps: true };
          })
        : [{ label: d.label, stroke: BLUE, width: 2, points: { show: true, size: 8, fill: BLUE } }]),
      hooks: {
        drawClear: [function (u) {
          if (d.band && finite(d.band.center) && finite(d.band.mdc)) drawBand(u, xs, d.band);
        }],
        draw: [function (u) {
          if (finite(cutoff)) drawCutoff(u, cutoff);
          drawUnable(u, xs, d);
        }]
      }
    };
    el.textContent = "";
    el.appendChild(script); // keep the data for redraws
    var plot = new uPlot(opts, [xs].concat(lines.map(function (line) { return line.y; })), el);
    plot.setScale("x", { min: xMin, max: xMax }); // uPlot widens a zero-width time range to years
    var timer;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { plot.setSize({ width: Math.max(260, el.clientWidth), height: 200 }); }, 150);
    });
  }

  function init() {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      try { drawChart(el); } catch (e) { if (window.console) console.error(e); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
