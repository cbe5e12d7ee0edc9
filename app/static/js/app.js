// Ensemble's own script: small progressive enhancements only. Everything works without it.
(function () {
  "use strict";
  // Send the page's current CSRF token (a login renews it; the body's hx-headers keep the first one).
  document.addEventListener("htmx:configRequest", function (event) {
    var holder = document.getElementById("csrf-token");
    if (holder) { event.detail.headers["X-CSRFToken"] = holder.getAttribute("data-token"); }
  });
  // After an htmx swap that re-rendered a form with errors, move focus to the error summary.
  document.addEventListener("htmx:afterSwap", function (event) {
    var summary = event.detail.target && event.detail.target.querySelector
      ? event.detail.target.querySelector(".error-summary")
      : null;
    if (summary) { summary.focus(); }
  });
  // An htmx request refused by the server (expired form, too many tries…): say so in the flash region.
  document.addEventListener("htmx:responseError", function (event) {
    var region = document.getElementById("flash");
    if (!region) { return; }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var message = document.createElement("p");
    message.className = "flash flash-error";
    message.textContent = region.getAttribute(status === 429 ? "data-error-429" : "data-error");
    region.replaceChildren(message);
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
