// Capability form: add and remove reference-case rows (the server accepts any row indices).
(function () {
  "use strict";
  var fieldset = document.querySelector("fieldset.cases");
  if (!fieldset) { return; }
  var max = parseInt(fieldset.getAttribute("data-max"), 10) || 10;
  var addButton = fieldset.querySelector(".case-add");

  function rows() { return fieldset.querySelectorAll(".case-row"); }

  function nextIndex() {
    var highest = -1;
    fieldset.querySelectorAll("[name^='cases-']").forEach(function (input) {
      var n = parseInt(input.name.split("-")[1], 10);
      if (n > highest) { highest = n; }
    });
    return highest + 1;
  }

  function renumber(row, index) {
    row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value && value.indexOf("cases-") === 0) {
          el.setAttribute(attr, value.replace(/^cases-\d+-/, "cases-" + index + "-"));
        }
      });
    });
  }

  function clear(row) {
    row.querySelectorAll("input, textarea").forEach(function (input) { input.value = ""; });
    row.querySelectorAll(".error").forEach(function (error) { error.remove(); });
    row.querySelectorAll(".has-error").forEach(function (f) { f.classList.remove("has-error"); });
  }

  function refresh() {
    addButton.hidden = rows().length >= max;
    rows().forEach(function (row) { row.querySelector(".case-remove").hidden = false; });
  }

  addButton.addEventListener("click", function () {
    var all = rows();
    var copy = all[all.length - 1].cloneNode(true);
    renumber(copy, nextIndex());
    clear(copy);
    all[all.length - 1].after(copy);
    copy.querySelector("input").focus();
    refresh();
  });

  fieldset.addEventListener("click", function (event) {
    if (!event.target.classList.contains("case-remove")) { return; }
    var row = event.target.closest(".case-row");
    if (rows().length > 1) { row.remove(); } else { clear(row); }
    refresh();
  });

  refresh();
}());
