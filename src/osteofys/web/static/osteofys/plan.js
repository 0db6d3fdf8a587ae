/* OsteoFys: the plan page's in-place edits (htmx). A dose change, a removal and an addition
   swap only their row or section: the page keeps its scroll position, focus goes somewhere
   sensible, and the live region says what happened. Without JavaScript the forms post and the
   page reloads as before. */
(function () {
  "use strict";

  function inPlan(el) {
    return el && el.closest && el.closest("[data-plan]");
  }

  function focusQuietly(el) {
    if (!el) return;
    try { el.focus({ preventScroll: true }); } catch (e) { el.focus(); }
  }

  // Questions asked before the request (app.js asks them only for forms that really submit).
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    if (!inPlan(form) || form.tagName !== "FORM") return;
    // The same check as a plain submit (app.js), before the request.
    if (window.osteofysPrecautionMissing && window.osteofysPrecautionMissing(form)) {
      event.preventDefault();
      return;
    }
    var question = form.getAttribute("data-confirm");
    if (question) {
      event.preventDefault();
      if (window.confirm(question)) event.detail.issueRequest(true);
    }
  });

  // A removal re-draws the add form (the exercise can be added again): send along what was
  // chosen and typed there, so it is kept. (Not hx-include: the empty required select would
  // stop the request.)
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!inPlan(form) || !form.classList.contains("inline-form")) return;
    var add = document.querySelector("[data-plan] form.add-form");
    if (!add) return;
    var exercise = add.querySelector("[name=exercise]");
    var confirmed = add.querySelector("[name=confirm]");
    var note = add.querySelector("[name=precaution_note]");
    if (exercise && exercise.value) event.detail.parameters.exercise = exercise.value;
    if (confirmed && confirmed.checked) event.detail.parameters.confirm = confirmed.value;
    if (note && note.value) event.detail.parameters.precaution_note = note.value;
  });

  // Before a row is removed: where focus goes afterwards (the next row, else the one before,
  // else the domain's heading).
  var afterRemove = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!inPlan(form) || !form.classList.contains("inline-form")) { afterRemove = null; return; }
    var row = form.closest("tr");
    var next = row && (row.nextElementSibling || row.previousElementSibling);
    afterRemove = next ? next.id : (form.closest("section") || {}).id || null;
  });

  // A conflict (409) and a refused input (400) are shown in place too: htmx leaves 4xx alone
  // unless told.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (inPlan(event.detail.elt) && (status === 400 || status === 409)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Every form on the page carries the plan's version; after an edit they all get the new one.
  document.body.addEventListener("osteofys:plan-version", function (event) {
    var version = String(event.detail.version);
    document.querySelectorAll("[data-plan] input[name=version]").forEach(function (input) {
      input.value = version;
    });
  });

  // The message (fixed at the bottom corner) goes after a while, so it covers nothing for long.
  var clearing;
  function clearStatusLater() {
    var status = document.getElementById("plan-status");
    if (!status || !status.textContent.trim()) return;
    clearTimeout(clearing);
    clearing = setTimeout(function () { status.textContent = ""; }, 8000);
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!document.querySelector("[data-plan]")) return;
    clearStatusLater();
    var conflict = document.querySelector("[data-plan] .conflict");
    if (conflict && event.detail.xhr && event.detail.xhr.status === 409) {
      conflict.setAttribute("tabindex", "-1");
      conflict.focus(); // the banner says what happened: show it
      return;
    }
    var marked = document.querySelector("[data-plan] [data-focus]");
    if (marked) {
      marked.removeAttribute("data-focus");
      focusQuietly(marked);
      return;
    }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var error = status === 400 && document.querySelector("[data-plan] tr .error");
    if (error) { focusQuietly(error.closest("form").querySelector("input:not([type=hidden])")); return; }
    if (afterRemove) {
      var target = document.getElementById(afterRemove);
      afterRemove = null;
      if (target) focusQuietly(target.querySelector("a, h2") || target);
    }
  });
})();
