/* Reading modes (大字版, 高对比度) remembered per browser, and the header's menu button.
   Loaded in <head> without defer: the modes are on <html> before the first paint. */
(function () {
  "use strict";
  var root = document.documentElement;
  var MODES = ["large-text", "high-contrast"];
  var KEY = "jnsc-mode-";

  function stored(mode) {
    try { return window.localStorage.getItem(KEY + mode) === "on"; } catch (e) { return false; }
  }
  function store(mode, on) {
    try {
      if (on) { window.localStorage.setItem(KEY + mode, "on"); }
      else { window.localStorage.removeItem(KEY + mode); }
    } catch (e) { /* private mode: the choice lasts for this page only */ }
  }

  root.classList.add("js");
  MODES.forEach(function (mode) { if (stored(mode)) { root.classList.add(mode); } });

  function setupModes() {
    document.querySelectorAll(".mode-toggle[data-mode]").forEach(function (button) {
      var mode = button.getAttribute("data-mode");
      button.setAttribute("aria-pressed", String(root.classList.contains(mode)));
      button.addEventListener("click", function () {
        var on = !root.classList.contains(mode);
        root.classList.toggle(mode, on);
        store(mode, on);
        button.setAttribute("aria-pressed", String(on));
      });
    });
  }

  function setupMenu() {
    var button = document.querySelector(".menu-toggle");
    var menu = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) { return; }
    function setOpen(open) {
      button.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupModes();
    setupMenu();
  });
})();
