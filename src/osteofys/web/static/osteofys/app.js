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
    // A form htmx sent in place already: plan.js asked its questions before the request.
    if (event.defaultPrevented) return;
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); return; }
    if (precautionMissing(form)) event.preventDefault();
  });

  // Adding an exercise that breaks a precaution needs the confirmation and its reason. The server
  // refuses it too; asking here first means nothing typed is lost. True: the form must wait.
  // plan.js asks the same before an htmx request (window.osteofysPrecautionMissing).
  function precautionMissing(form) {
    if (!form.hasAttribute("data-precaution-form")) return false;
    var select = form.querySelector("select[name=exercise]");
    var chosen = select && select.options[select.selectedIndex];
    var confirmed = form.querySelector("input[name=confirm]");
    var note = form.querySelector("textarea[name=precaution_note]");
    var error = form.querySelector("#add-confirm-error");
    var missing = !!(chosen && chosen.hasAttribute("data-unsafe") &&
      !(confirmed && confirmed.checked && note && note.value.trim()));
    if (error) error.hidden = !missing;
    if (missing) (confirmed.checked ? note : confirmed).focus();
    return missing;
  }
  window.osteofysPrecautionMissing = precautionMissing;

  // The test charts of the patient page are in charts.js, loaded on that page only.
})();
