/* Draws each account graph with the vendored plotly.js; the data tables work without it. */
(function () {
  "use strict";
  function printGraph(gd, title) {
    window.Plotly.toImage(gd, { format: "png", width: 1000, height: 420 }).then(function (url) {
      var w = window.open("", "_blank");
      if (!w) { return; }
      var doc = w.document;
      doc.title = title;
      var h = doc.createElement("h1"); h.textContent = title; doc.body.appendChild(h);
      var img = doc.createElement("img"); img.src = url; img.alt = title; img.style.maxWidth = "100%";
      img.onload = function () { w.focus(); w.print(); };
      doc.body.appendChild(img);
    });
  }
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-graph]").forEach(function (el) {
      var data = JSON.parse(document.getElementById(el.dataset.dataId).textContent);
      var title = el.dataset.title;
      var printIcon = { width: 1000, height: 1000,
        path: "M200 0h600v250H200zM100 300h800a100 100 0 0 1 100 100v350H850V550H150v200H0V400a100 100 0 0 1 100-100zM200 600h600v400H200z" };
      window.Plotly.newPlot(el, data.data, data.layout, {
        responsive: true, displaylogo: false, displayModeBar: true,
        toImageButtonOptions: { format: "png", filename: el.dataset.graph },
        modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
        modeBarButtonsToAdd: [{ name: "Print", title: "Print this graph", icon: printIcon,
          click: function (gd) { printGraph(gd, title); } }]
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
