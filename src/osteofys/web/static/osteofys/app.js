/* OsteoFys: small progressive enhancements. Every page also works without this file. */
(function () {
  "use strict";

  var da = (document.documentElement.lang || "da").indexOf("en") !== 0;

  // Formset "add row": clone the <template>, number it and count it in TOTAL_FORMS.
  function addFormsetRow(button) {
    var box = button.closest("fieldset") || document;
    var template = box.querySelector("template[data-formset-template]");
    var total = box.querySelector("[data-total-forms]");
    var rows = box.querySelector("[data-formset-rows]");
    if (!template || !total || !rows) return;
    var max = box.querySelector('input[name$="-MAX_NUM_FORMS"]');
    var index = parseInt(total.value, 10) || 0;
    if (max && index >= parseInt(max.value, 10)) return;
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index)).trim();
    var row = holder.firstElementChild;
    rows.appendChild(row);
    total.value = String(index + 1);
    var first = row.querySelector("select, input");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-formset-add]");
    if (add) { event.preventDefault(); addFormsetRow(add); return; }
    if (event.target.closest("[data-print]")) { event.preventDefault(); window.print(); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); return; }
    // Adding an exercise that breaks a precaution: check here too, so nothing typed is lost.
    if (form.hasAttribute("data-precaution-form")) {
      var select = form.querySelector("select[name=exercise]");
      var chosen = select && select.options[select.selectedIndex];
      var confirmed = form.querySelector("input[name=confirm]");
      var note = form.querySelector("textarea[name=precaution_note]");
      var error = form.querySelector("#add-confirm-error");
      var missing = chosen && chosen.hasAttribute("data-unsafe") &&
        !(confirmed && confirmed.checked && note && note.value.trim());
      if (error) error.hidden = !missing;
      if (missing) { event.preventDefault(); (confirmed.checked ? note : confirmed).focus(); }
    }
  });

  // Charts: values over time with the cut-off as a dashed line (vendored uPlot, patient page only).
  var MONTHS = da
    ? ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"]
    : ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  var SHORT = MONTHS.map(function (m) { return m.slice(0, 3); });
  var DAY = 86400;

  function number(v) {
    return da ? String(v).replace(".", ",") : String(v);
  }

  function drawChart(el) {
    var script = el.querySelector('script[type="application/json"]');
    if (!script || !window.uPlot) return;
    var d = JSON.parse(script.textContent);
    if (typeof d === "string") d = JSON.parse(d); // json_script of an already-encoded string
    if (!d.x || !d.x.length) return;
    var xs = d.x.map(function (s) {
      return Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10)) / 1000;
    });
    var cutoff = d.cutoff;
    // A little room either side; a month each way when every value is from one day.
    var first = xs[0], last = xs[xs.length - 1];
    var padX = last === first ? 30 * DAY : Math.max((last - first) * 0.06, 3 * DAY);
    var xMin = first - padX, xMax = last + padX;
    var opts = {
      width: Math.max(260, el.clientWidth),
      height: 200,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "UTC"); },
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: {
          time: true,
          range: function () { return [xMin, xMax]; }
        },
        y: {
          range: function (u, min, max) {
            if (cutoff !== null && cutoff !== undefined) {
              min = Math.min(min, cutoff);
              max = Math.max(max, cutoff);
            }
            var pad = (max - min) * 0.15 || Math.abs(max) * 0.2 || 1;
            return [Math.max(0, min - pad), max + pad];
          }
        }
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
      series: [
        {},
        {
          label: d.label, stroke: "#0b5a78", width: 2,
          points: { show: true, size: 8, fill: "#0b5a78" }
        }
      ],
      hooks: {
        draw: [function (u) {
          if (cutoff === null || cutoff === undefined) return;
          var ctx = u.ctx;
          var y = Math.round(u.valToPos(cutoff, "y", true)) + 0.5;
          ctx.save();
          ctx.strokeStyle = "#b42318";
          ctx.lineWidth = 2 * uPlot.pxRatio;
          ctx.setLineDash([7 * uPlot.pxRatio, 5 * uPlot.pxRatio]);
          ctx.beginPath();
          ctx.moveTo(u.bbox.left, y);
          ctx.lineTo(u.bbox.left + u.bbox.width, y);
          ctx.stroke();
          ctx.restore();
        }]
      }
    };
    el.textContent = "";
    el.appendChild(script); // keep the data for redraws
    var plot = new uPlot(opts, [xs, d.y], el);
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
