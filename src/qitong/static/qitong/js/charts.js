/* Dashboard charts (Apache ECharts, vendored). Each <div class="chart" data-chart="ID"> draws
   the JSON in <script type="application/json" id="ID">: {kind: "bar"|"line", categories,
   series: [{name, data, urls?, axis?}], percent?}. The table beside each chart holds the
   same figures (for screen readers and printing); clicking a bar or point opens the ticket
   list behind it, like the table's links. */
(function () {
  "use strict";
  var palette = ["#1d4f91", "#2f9e6e", "#e0a100", "#c2410c", "#6d28d9", "#0e7490"];

  function radar(chart, spec) {
    chart.setOption({
      color: palette,
      animation: false,
      tooltip: {},
      legend: { top: 0 },
      radar: { indicator: spec.indicators, radius: "62%", center: ["50%", "56%"] },
      series: [{ type: "radar", data: spec.series.map(function (s) { return { name: s.name, value: s.data }; }) }]
    });
  }

  // A choropleth of the 盟市 from an uploaded GeoJSON (none is bundled): spec.geojson is its
  // URL, spec.data [{name, value, url}] names the features by their `name` property.
  function choropleth(chart, spec) {
    fetch(spec.geojson, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      echarts.registerMap(spec.map || "units", geo);
      chart.setOption({
        animation: false,
        tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + (p.value === undefined || isNaN(p.value) ? "—" : p.value); } },
        visualMap: { min: spec.min || 0, max: spec.max || 100, left: 8, bottom: 8, text: ["高", "低"], calculable: true, inRange: { color: ["#fde2e2", "#1d4f91"] } },
        series: [{ type: "map", map: spec.map || "units", roam: false, data: spec.data }]
      });
      chart.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
    });
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source || typeof echarts === "undefined") return;
    var spec = JSON.parse(source.textContent);
    var chart = echarts.init(el, null, { renderer: "canvas" });
    window.addEventListener("resize", function () { chart.resize(); });
    if (spec.kind === "radar") return radar(chart, spec);
    if (spec.kind === "map") return choropleth(chart, spec);
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
  }

  function drawAll() {
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      try { draw(el); } catch (e) { if (window.console) console.error(e); }  // one bad chart spoils no other
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
