// The filter: a text box and severity toggles hide the subjects (overview rows and their sections) that do not
// match, and the sections left empty. The state lives in the address's hash (#q=diverge&sev=critical,warning),
// so a link can carry a filter.
(function () {
  "use strict";
  var body = document.body;
  window.addEventListener("error", function (event) { body.setAttribute("data-script-error", String(event.message)); });
  var box = document.getElementById("filter");
  var toggles = Array.prototype.slice.call(document.querySelectorAll("input.severity"));
  var subjects = Array.prototype.slice.call(document.querySelectorAll("[data-search]"));
  var rows = subjects.filter(function (el) { return el.classList.contains("subject-row"); });
  var shown = document.getElementById("shown");
  var sections = Array.prototype.slice.call(document.querySelectorAll("main > section:not(#overview)"));

  function chosen() {
    return toggles.filter(function (t) { return t.checked; }).map(function (t) { return t.value; });
  }
  function apply() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var severities = chosen();
    var visible = 0;
    subjects.forEach(function (el) {
      var text = el.getAttribute("data-search");
      var match = severities.indexOf(el.getAttribute("data-severity")) >= 0 &&
        words.every(function (w) { return text.indexOf(w) >= 0; });
      el.hidden = !match;
      if (match && el.classList.contains("subject-row")) { visible += 1; }
    });
    sections.forEach(function (section) {  // a section with nothing left to show goes too, heading and legend
      section.hidden = !section.querySelector("[data-search]:not([hidden])");
    });
    shown.textContent = visible + " of " + rows.length + " shown";
  }
  function save() {
    var state = new URLSearchParams();
    if (box.value) { state.set("q", box.value); }
    if (chosen().length !== toggles.length) { state.set("sev", chosen().join(",")); }
    history.replaceState(null, "", state.toString() ? "#" + state.toString() : location.pathname + location.search);
  }
  function load() {
    var hash = location.hash.slice(1);
    if (!/^(q|sev)=/.test(hash)) { return; }
    var state = new URLSearchParams(hash);
    box.value = state.get("q") || "";
    if (state.has("sev")) {
      var wanted = state.get("sev").split(",");
      toggles.forEach(function (t) { t.checked = wanted.indexOf(t.value) >= 0; });
    }
  }
  box.addEventListener("input", function () { apply(); save(); });
  toggles.forEach(function (t) { t.addEventListener("change", function () { apply(); save(); }); });
  load();
  apply();
  body.setAttribute("data-ready", "1");
})();
