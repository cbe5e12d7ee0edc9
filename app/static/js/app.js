// Ensemble's own script: small progressive enhancements only. Everything works without it.
(function () {
  "use strict";
  // After an htmx swap that re-rendered a form with errors, move focus to the error summary.
  document.addEventListener("htmx:afterSwap", function (event) {
    var summary = event.detail.target && event.detail.target.querySelector
      ? event.detail.target.querySelector(".error-summary")
      : null;
    if (summary) { summary.focus(); }
  });
  // Print buttons (assisted-account sheet, posters): a real button, shown only with JS.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
  document.querySelectorAll("[data-print]").forEach(function (el) { el.hidden = false; });
  document.addEventListener("htmx:load", function () {
    document.querySelectorAll("[data-print]").forEach(function (el) { el.hidden = false; });
  });
})();
