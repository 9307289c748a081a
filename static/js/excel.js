// Excel import: while a large import runs, say so and count the seconds (the request is synchronous).
(function () {
  "use strict";
  document.querySelectorAll("form[data-import-form]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var rows = form.getAttribute("data-rows");
      var note = document.querySelector("[data-testid=import-progress]");
      var button = form.querySelector("button[type=submit]");
      var started = Date.now();
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
      if (!note) { return; }
      note.hidden = false;
      var tick = function () {
        var seconds = Math.round((Date.now() - started) / 1000);
        note.textContent = "正在导入 " + rows + " 条数据，已用时 " + seconds + " 秒，请勿关闭页面……";
      };
      tick();
      setInterval(tick, 1000);
    });
  });
})();
