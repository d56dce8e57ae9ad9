// The outcomes page: line charts drawn from the figures the page carries in
// <script type="application/json" id="outcomes-data"> (data, not script: CSP allows it).
(function () {
  "use strict";

  var colours = ["rgba(13, 110, 253, 0.85)", "rgba(25, 135, 84, 0.85)", "rgba(253, 126, 20, 0.85)", "rgba(111, 66, 193, 0.85)"];

  function draw() {
    var source = document.getElementById("outcomes-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    Object.keys(data.charts).forEach(function (chartId) {
      var canvas = document.getElementById(chartId);
      if (!canvas) {
        return;
      }
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: data.labels,
          datasets: data.charts[chartId].map(function (series, index) {
            return {
              label: series.label,
              data: series.values,
              borderColor: colours[index % colours.length],
              backgroundColor: colours[index % colours.length],
              spanGaps: true,
              tension: 0.2,
            };
          }),
        },
        options: {
          responsive: true,
          // A fixed ratio: the canvas needs no height from a style attribute (CSP).
          aspectRatio: 1.8,
          scales: { y: { beginAtZero: true, suggestedMax: 100 } },
        },
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
