// Excel import: disable the confirm button once pressed (one import per click); on the
// import's status page, follow its background job and show the rows done, then the outcome.
(function () {
  "use strict";
  document.querySelectorAll("form[data-import-form]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    });
  });
  var note = document.querySelector("[data-import-run]");
  if (!note) { return; }
  var url = note.getAttribute("data-import-run");
  var bar = document.querySelector("[data-testid=import-bar]");
  var started = Date.now();
  var poll = function () {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (run) {
        if (!run) { return; }
        if (run.finished) { window.location.reload(); return; }
        var seconds = Math.round((Date.now() - started) / 1000);
        var step = run.status === "queued" ? "已排队"
          : run.total ? "正在" + (run.note || "导入") + "：" + run.done + " / " + run.total + " 条"
          : "正在检查数据";
        note.textContent = step + "，已用时 " + seconds + " 秒……";
        if (bar && run.percent !== null) { bar.value = run.percent; }
      })
      .catch(function () { /* try again at the next tick */ });
  };
  setInterval(poll, 1000);
})();
