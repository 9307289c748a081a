// Excel import: while the import request runs, poll its progress and show rows written so far.
(function () {
  "use strict";
  document.querySelectorAll("form[data-import-form]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var rows = form.getAttribute("data-rows");
      var url = form.getAttribute("data-progress-url");
      var note = document.querySelector("[data-testid=import-progress]");
      var button = form.querySelector("button[type=submit]");
      var started = Date.now();
      var state = null;
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
      if (!note) { return; }
      note.hidden = false;
      var show = function () {
        var seconds = Math.round((Date.now() - started) / 1000);
        var step = state && state.phase === "insert"
          ? "已写入 " + state.done + " / " + state.total + " 条"
          : "正在检查 " + rows + " 条数据";
        note.textContent = step + "，已用时 " + seconds + " 秒，请勿关闭页面……";
      };
      var poll = function () {
        fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) { if (data) { state = data; show(); } })
          .catch(function () { /* the page is navigating away: the import has finished */ });
      };
      show();
      setInterval(show, 1000);
      setInterval(poll, 700);
    });
  });
})();
