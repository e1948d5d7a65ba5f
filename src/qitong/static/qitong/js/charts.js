/* Dashboard charts (Apache ECharts, vendored). Each <div class="chart" data-chart="ID"> draws
   the JSON in <script type="application/json" id="ID">: {kind: "bar"|"line", categories,
   series: [{name, data, urls?, axis?}], percent?}. The table beside each chart holds the
   same figures (for screen readers and printing); clicking a bar or point opens the ticket
   list behind it, like the table's links. */
(function () {
  "use strict";
  var palette = ["#1d4f91", "#2f9e6e", "#e0a100", "#c2410c", "#6d28d9", "#0e7490"];

  function draw(el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source || typeof echarts === "undefined") return;
    var spec = JSON.parse(source.textContent);
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var percent = !!spec.percent;
    var axes = [{ type: "value", axisLabel: { formatter: percent ? "{value}%" : "{value}" } }];
    if (spec.series.some(function (s) { return s.axis === 1; })) {
      axes.push({ type: "value", axisLabel: { formatter: "{value}%" }, max: 100, splitLine: { show: false } });
    }
    chart.setOption({
      color: palette,
      animation: false,
      grid: { left: 48, right: axes.length > 1 ? 48 : 16, top: 36, bottom: spec.rotate ? 80 : 36 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : (percent ? v + "%" : v); } },
      legend: { top: 0 },
      xAxis: { type: "category", data: spec.categories, axisLabel: { interval: spec.rotate ? 0 : "auto", rotate: spec.rotate || 0 } },
      yAxis: axes,
      series: spec.series.map(function (s) {
        return {
          name: s.name, type: s.kind || spec.kind, data: s.data, yAxisIndex: s.axis || 0,
          connectNulls: true, barMaxWidth: 28, showSymbol: spec.categories.length < 40
        };
      })
    });
    chart.on("click", function (params) {
      var s = spec.series[params.seriesIndex];
      if (s && s.urls && s.urls[params.dataIndex]) window.location.href = s.urls[params.dataIndex];
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll() {
    document.querySelectorAll(".chart[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
