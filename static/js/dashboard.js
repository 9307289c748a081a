/* Dashboard charts: each .chart-canvas carries its table as JSON in data-chart (CSP forbids
   inline scripts). The tables below stay in the page: they are the fallback without JS, for
   screen readers and for printing; once a chart is drawn its table is folded away. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var PALETTE = ["#1557a0", "#2e9e6b", "#e0a100", "#c0392b", "#7b5ea7", "#3aa6c8", "#8c6d46"];

  function column(rows, i) { return rows.map(function (r) { return r[i] === null ? 0 : r[i]; }); }

  // amounts (万元) are on a scale of their own: they get a second value axis
  function isAmount(name) { return name.indexOf("金额") !== -1; }

  function axisChart(spec, type) {
    var categories = column(spec.rows, 0);
    // lines are never smoothed: a curve through three monthly points invents values between them
    var series = spec.columns.slice(1).map(function (name, i) {
      return { name: name, type: type, data: column(spec.rows, i + 1), smooth: false };
    }).filter(function (s) { return s.data.every(function (v) { return typeof v === "number"; }); });
    var twoScales = series.some(function (s) { return isAmount(s.name); }) &&
      series.some(function (s) { return !isAmount(s.name); });
    var horizontal = type === "bar" && categories.length > 8 && !twoScales;
    series.forEach(function (s) { if (twoScales && isAmount(s.name)) { s.yAxisIndex = 1; } });
    var cat = { type: "category", data: categories, axisLabel: { interval: 0, rotate: horizontal ? 0 : 30 } };
    var values = twoScales
      ? [{ type: "value", name: "数量" }, { type: "value", name: "万元", splitLine: { show: false } }]
      : { type: "value" };
    return {
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: horizontal ? 110 : 56, right: twoScales ? 64 : 20, top: 40, bottom: horizontal ? 30 : 70 },
      xAxis: horizontal ? values : cat,
      yAxis: horizontal ? Object.assign({}, cat, { inverse: true, axisLabel: { interval: 0 } }) : values,
      series: series
    };
  }

  function pieChart(spec) {
    return {
      color: PALETTE,
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { top: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], top: 24,
        data: spec.rows.map(function (r) { return { name: r[0], value: r[1] }; }) }]
    };
  }

  function funnelChart(spec) {
    return {
      color: PALETTE,
      tooltip: { trigger: "item", formatter: "{b}: {c}" },
      series: [{ type: "funnel", sort: "none", top: 10, bottom: 10, minSize: "15%",
        label: { formatter: "{b} {c}" },
        data: spec.rows.map(function (r) { return { name: r[0], value: r[1] }; }) }]
    };
  }

  function options(spec) {
    if (spec.kind === "pie") { return pieChart(spec); }
    if (spec.kind === "funnel") { return funnelChart(spec); }
    return axisChart(spec, spec.kind === "line" ? "line" : "bar");
  }

  var charts = [];
  document.querySelectorAll(".chart-canvas[data-chart]").forEach(function (el) {
    var spec = JSON.parse(el.getAttribute("data-chart"));
    if (!spec.rows.length) { el.hidden = true; return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(options(spec));
    charts.push(chart);
    var table = el.parentElement.querySelector("details.chart-table");
    if (table) { table.open = false; }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-table").forEach(function (d) { d.open = true; });
  });
})();
