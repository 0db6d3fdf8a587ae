/* OsteoFys, the assessment form: Enter in a field does nothing; a value pre-filled from the
   previous assessment (or the patient record) loses its mark once the clinician changes it; and
   the first change tells the live result request to keep the form as a draft from now on
   (`draft_touched`). The page works without this file: Enter is then refused by the server and
   the marks are recomputed on the next render. */
(function () {
  "use strict";

  function unmark(event) {
    var touched = form.querySelector("[data-draft-touched]");
    if (touched) touched.value = "1";
    var field = event.target.closest && event.target.closest(".field");
    if (!field) return;
    field.querySelectorAll("[data-mark]").forEach(function (mark) { mark.hidden = true; });
  }

  var form = document.getElementById("assessment-form");
  if (!form) return;
  // Enter in a field never saves the assessment (only the save button does). Without this the
  // server refuses it instead (the form's hidden first button), at the cost of a reload.
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) return;
    var target = event.target;
    // A select does not submit on Enter; buttons and the textarea keep their Enter.
    if (target.tagName === "INPUT" && target.type !== "submit" && target.type !== "button") {
      event.preventDefault();
    }
  });
  form.addEventListener("input", unmark, true); // capture: before htmx reads the form
  form.addEventListener("change", unmark, true);
})();
