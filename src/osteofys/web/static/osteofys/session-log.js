/* OsteoFys: the session log and the session page. Progressive enhancement only: the form posts
   and the note can be selected and copied by hand without this file.
   - A value typed under "Ret" makes that exercise "Ret" (the server counts it anyway).
   - "Tilføj hændelse" adds an adverse-event row from the <template>, up to data-max rows.
   - "Kopiér til journal" copies the note's plain text to the clipboard.
   Works for several logs on one page (the class screen): everything is found from the clicked
   or changed element's own [data-session-log]. */
(function () {
  "use strict";

  function statusRadio(entry, value) {
    return entry.querySelector('.seg--status input[value="' + value + '"]');
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target.closest) return;
    var fields = target.closest("[data-entry-fields], [data-entry-note]");
    var entry = fields && fields.closest("[data-entry]");
    if (!entry) return;
    var skipped = statusRadio(entry, "skipped");
    // A note under "Ikke udført" stays a note of a skipped exercise.
    if (skipped && skipped.checked && fields.hasAttribute("data-entry-note")) return;
    var changed = statusRadio(entry, "changed");
    if (changed && !changed.checked) changed.checked = true;
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-add-event]");
    if (!button) return;
    var box = button.closest("[data-events]");
    var rows = box && box.querySelector("[data-event-rows]");
    var template = box && box.querySelector("template[data-event-template]");
    if (!rows || !template) return;
    var count = rows.querySelectorAll("[data-event-row]").length;
    var max = parseInt(rows.getAttribute("data-max") || "10", 10);
    if (count >= max) return;
    var html = template.innerHTML.split("__n__").join(String(count)).split("__num__").join(String(count + 1));
    rows.insertAdjacentHTML("beforeend", html);
    var added = rows.lastElementChild;
    var first = added && added.querySelector("select, input, textarea");
    if (first) first.focus();
    if (count + 1 >= max) button.hidden = true;
  });

  function selectAll(area) {
    area.focus();
    area.select();
    area.setSelectionRange(0, area.value.length);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var area = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (!area) return;
    function say(text) { if (status) status.textContent = text; }
    function fallback() {
      selectAll(area);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      say(button.getAttribute(ok ? "data-copied" : "data-failed"));
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(area.value).then(
        function () { say(button.getAttribute("data-copied")); },
        fallback
      );
    } else {
      fallback();
    }
  });
})();
