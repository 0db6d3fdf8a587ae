/* OsteoFys: the live result speaks only of what changed. The result panel itself is not a live
   region (it would be read out in full after every keystroke); after each htmx update this
   compares the panel's one-sentence summary (data-announce: category, acute phase, red flags)
   with the last one and puts it in a small status region only when it differs. */
(function () {
  "use strict";

  var region = null;
  var last = null;
  var first = true;

  function summary() {
    var el = document.querySelector("#result [data-announce]");
    return el ? el.getAttribute("data-announce").replace(/\s+/g, " ").trim() : "";
  }

  function init() {
    var panel = document.querySelector(".result-panel");
    if (!panel || region) return;
    // Present (and empty) before the first change, so screen readers watch it.
    region = document.createElement("p");
    region.id = "result-status";
    region.className = "visually-hidden";
    region.setAttribute("role", "status");
    region.setAttribute("aria-atomic", "true");
    panel.appendChild(region);
    last = summary();
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.target || event.target.id !== "result") return;
    init();
    if (!region) return;
    var now = summary();
    // The first update is the page's own (hx-trigger "load"): nothing has changed yet.
    if (first) first = false;
    else if (now && now !== last) region.textContent = now;
    last = now;
  });
})();
