/* OsteoFys: asks before leaving a form with unsaved changes. A form opts in with `data-guard`
   (`data-guard="dirty"` when it already holds unsaved input, e.g. re-shown with an error).
   Closing the tab or reloading gets the browser's own question (beforeunload); a link on the
   page (the menu, "Annullér") gets a confirm. Submitting the form itself does not ask. */
(function () {
  "use strict";

  var da = (document.documentElement.lang || "da").indexOf("en") !== 0;
  var MESSAGE = da
    ? "Du har ændringer, der ikke er gemt. Vil du forlade siden uden at gemme?"
    : "You have changes that are not saved. Leave the page without saving?";
  var saving = false;
  var leaving = false;

  // What the form would send, without the CSRF token (it is no change of the user's).
  function state(form) {
    var parts = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      parts.push(name + "=" + (typeof value === "string" ? value : value.name));
    });
    return parts.join("&");
  }

  function guarded() {
    return Array.prototype.slice.call(document.querySelectorAll("form[data-guard]"));
  }

  function isDirty(form) {
    return form.getAttribute("data-guard") === "dirty" || state(form) !== form.guardInitial;
  }

  function anyDirty() {
    return !saving && guarded().some(isDirty);
  }

  function init() {
    guarded().forEach(function (form) { form.guardInitial = state(form); });
  }

  // On window, so it runs after app.js's submit checks (on document), which may cancel it.
  window.addEventListener("submit", function (event) {
    if (!event.defaultPrevented && event.target.hasAttribute("data-guard")) saving = true;
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return; // new tab
    if (link.target && link.target !== "_self") return;
    if (link.hasAttribute("download")) return;
    var href = link.getAttribute("href");
    if (href.charAt(0) === "#") return; // a jump within the page loses nothing
    if (!anyDirty()) return;
    if (window.confirm(MESSAGE)) { leaving = true; return; }
    event.preventDefault();
  });

  window.addEventListener("beforeunload", function (event) {
    if (leaving || !anyDirty()) return;
    event.preventDefault();
    event.returnValue = ""; // older Chromium asks only when this is set
  });

  // Back from the browser's page cache: the question was answered, ask again next time.
  window.addEventListener("pageshow", function () { leaving = false; saving = false; });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
