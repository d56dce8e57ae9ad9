// The consultation metrics page: bar charts drawn from the figures the page carries in
// <script type="application/json" id="metrics-data"> (data, not script: CSP allows it).
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("metrics-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);

    function bar(canvasId, series, horizontal) {
      var canvas = document.getElementById(canvasId);
      if (!canvas || !series.labels.length) {
        return;
      }
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: series.labels,
          datasets: [
            {
              label: data.label,
              data: series.values,
              backgroundColor: "rgba(13, 110, 253, 0.75)",
              borderRadius: 3,
            },
          ],
        },
        options: {
          indexAxis: horizontal ? "y" : "x",
          responsive: true,
          // A fixed ratio: the canvas needs no height from a style attribute (CSP).
          aspectRatio: horizontal ? 1.6 : 3.2,
          plugins: { legend: { display: false } },
          scales: {
            x: { beginAtZero: true, ticks: { precision: 0 } },
            y: { beginAtZero: true, ticks: { precision: 0 } },
          },
        },
      });
    }

    bar("chart-months", data.months, false);
    bar("chart-hospitals", data.hospitals, true);
    bar("chart-specialties", data.specialties, true);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
