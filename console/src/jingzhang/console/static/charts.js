// The overview's charts, drawn with the vendored ECharts from data the page carries (no requests).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.getElementById("chart-data");
    if (!holder || !window.echarts) return;
    var d = JSON.parse(holder.textContent);
    var palette = ["#0b3d91", "#b5470b", "#2e7d32", "#6a1b9a", "#00838f", "#8d6e00"];
    function draw(id, option) {
      var el = document.getElementById(id);
      if (!el) return;
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      option.color = palette;
      option.tooltip = option.tooltip || { trigger: "item" };
      option.aria = { enabled: true };
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
    }
    function bars(labels, values) {
      return { xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: 30 } },
               yAxis: { type: "value" }, grid: { bottom: 80, left: 50 },
               series: [{ type: "bar", data: values, label: { show: true, position: "top" } }] };
    }
    draw("chart-work", bars(d.work.labels, d.work.values));
    draw("chart-monthly", {
      tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { top: 40, left: 50 },
      xAxis: { type: "category", data: d.monthly.labels }, yAxis: { type: "value" },
      series: d.monthly.series.map(function (s) { return { name: s.name, type: "line", data: s.values }; })
    });
    draw("chart-category", { series: [{ type: "pie", radius: "60%", data: d.category }] });
    draw("chart-channel", bars(d.channel.map(function (c) { return c.name; }), d.channel.map(function (c) { return c.value; })));
    draw("chart-response", bars(d.response.labels, d.response.values));
  });
})();
