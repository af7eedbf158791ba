// 考核看板：从 data-url 取数画图，点任一柱、点、扇区即进入它背后的记录。不用内联脚本（便于内容安全策略）。
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.echarts) { return; }
  var charts = {};
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el);
    option.animation = false;  // 画完即可点，不等动画
    c.setOption(option);
    c.on("click", function (p) {
      var d = p.data || {};
      if (d.url) { window.location.href = d.url; }
    });
    charts[id] = c;
    el.setAttribute("data-ready", "1");
  }
  fetch(root.getAttribute("data-url"), {credentials: "same-origin"}).then(function (r) { return r.json(); })
    .then(function (data) {
      chart("chart-trend", {
        tooltip: {trigger: "axis"}, legend: {}, xAxis: {type: "category", data: data.trend.months},
        yAxis: {type: "value"}, series: data.trend.series.map(function (s) {
          return {name: s.name, type: "line", data: s.data, symbolSize: 8};
        })
      });
      chart("chart-units", {
        tooltip: {trigger: "axis"}, legend: {}, xAxis: {type: "category", data: data.units.names},
        yAxis: {type: "value"}, series: [
          {name: "收到", type: "bar", data: data.units.received},
          {name: "当前超期", type: "bar", data: data.units.overdue},
          {name: "督办中", type: "bar", data: data.units.supervised}]
      });
      chart("chart-category", {tooltip: {}, series: [{type: "pie", radius: "65%", data: data.category}]});
      chart("chart-channel", {tooltip: {}, series: [{type: "pie", radius: ["35%", "65%"], data: data.channel}]});
      var f = data.funnel, line = function (key, i) { return f.curves.map(function (c) { return [c.n, c[key][i]]; }); };
      var limit = function (name, key, i, style) {
        return {name: name, type: "line", showSymbol: false, data: line(key, i), lineStyle: {type: style}, silent: true};
      };
      chart("chart-funnel", {
        tooltip: {formatter: function (p) { return p.data.name ? p.data.name + "：" + p.data.value[1] + "%（" + p.data.value[0] + " 件，" + p.data.flag + "）" : ""; }},
        xAxis: {type: "value", name: "件数"}, yAxis: {type: "value", name: "%", max: 100},
        series: [
          {name: "单位", type: "scatter", symbolSize: 12, data: f.points},
          {name: "全局", type: "line", showSymbol: false, silent: true,
           data: f.curves.map(function (c) { return [c.n, f.target]; })},
          limit("预警下限", "alert", 0, "dashed"), limit("预警上限", "alert", 1, "dashed"),
          limit("报警下限", "alarm", 0, "dotted"), limit("报警上限", "alarm", 1, "dotted")]
      });
      root.setAttribute("data-loaded", "1");
    });
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
}());
