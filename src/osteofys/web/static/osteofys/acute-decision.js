/* OsteoFys, the acute-phase control of the assessment form (issue 15, item 6): "Afslut" is offered
   while the live result has an acute phase after a fracture, and can be chosen from its
   earliest_end (fracture + 12 weeks); the fracture site is asked for "Start" only, the reason once
   a choice is made. The live result (_result.html, data-acute-state) says what holds after every
   update. Without this file every choice is offered and the server refuses what may not be done,
   with its reason. A choice already made is never changed here: the server's refusal explains it. */
(function () {
  "use strict";

  var form = document.getElementById("assessment-form");
  var box = form && form.querySelector("[data-acute-decision]");
  if (!box) return;
  var action = box.querySelector("select[name='acute_phase_decision__action']");
  var siteField = box.querySelector("[data-acute-site-field]");
  var reasonField = box.querySelector("[data-acute-reason-field]");
  var note = box.querySelector("[data-acute-note]");
  var end = action && action.querySelector("option[value='end']");
  if (!action || !end) return;
  var endLabel = end.textContent;
  var lang = (document.documentElement.lang || "da").slice(0, 2);
  var words = { da: { from: "kan vælges fra " }, en: { from: "can be chosen from " } }[
    lang === "en" ? "en" : "da"
  ];

  function assessed() {
    var input = form.querySelector("input[name='assessment_date']");
    return input && input.value ? input.value : null;
  }

  function update() {
    var state = document.querySelector("#result [data-acute-state]");
    var chosen = action.value;
    siteField.hidden = chosen !== "start";
    reasonField.hidden = chosen === "";
    if (!state) return; // no result yet (the form has errors): offer everything
    var active = state.getAttribute("data-active") === "true";
    var fracture = state.getAttribute("data-source") === "fracture";
    var earliest = state.getAttribute("data-earliest");
    var ended = document.querySelector("#result #acute-decision[data-decision='applied']");
    var endable = (active && fracture) || (chosen === "end" && ended);
    var tooEarly = endable && earliest && assessed() && assessed() < earliest && !ended;
    end.hidden = !endable && chosen !== "end";
    end.disabled = Boolean(tooEarly) && chosen !== "end";
    end.textContent = tooEarly
      ? endLabel + " (" + words.from + state.getAttribute("data-earliest-text") + ")"
      : endLabel;
    note.hidden = !(active && fracture && earliest);
    if (!note.hidden) {
      note.textContent = endLabel + ": " + words.from + state.getAttribute("data-earliest-text") + ".";
    }
  }

  action.addEventListener("change", update);
  document.body.addEventListener("htmx:afterSettle", update);
  update();
})();
