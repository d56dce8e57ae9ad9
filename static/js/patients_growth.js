// Patient page: the child's growth over the WHO 2006 reference curves. Data comes from the
// page (json_script, re-rendered when a measurement is added with htmx); Chart.js is
// vendored (static/vendor/chartjs). No inline scripts (CSP).
"use strict";

(() => {
  // −3 and +3 red, −2 and +2 orange, the median green: the WHO chart colours.
  const CURVE_COLOURS = { "-3": "#dc3545", "-2": "#fd7e14", 0: "#198754", 2: "#fd7e14", 3: "#dc3545" };

  // Top to bottom, as the curves lie on the chart (an object's keys would put "0" first).
  const CURVE_ORDER = ["3", "2", "0", "-2", "-3"];

  const curveLabel = (z, labels) => {
    if (z === "0") {
      return labels.median;
    }
    return `${Number(z) > 0 ? "+" : "−"}${Math.abs(Number(z))} ${labels.z}`;
  };

  const draw = () => {
    const source = document.getElementById("growth-charts");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    const data = JSON.parse(source.textContent);
    data.charts.forEach((chart) => {
      const canvas = document.getElementById(chart.id);
      if (!canvas || window.Chart.getChart(canvas)) {
        return;
      }
      const curves = CURVE_ORDER.map((z) => ({
        label: curveLabel(z, data.labels),
        data: chart.curves[z].map(([x, y]) => ({ x, y })),
        showLine: true,
        pointRadius: 0,
        borderWidth: z === "0" ? 2 : 1,
        borderColor: CURVE_COLOURS[z],
      }));
      const child = {
        label: data.labels.child,
        data: chart.points.map(([x, y]) => ({ x, y })),
        showLine: true,
        pointRadius: 4,
        borderColor: "#0d6efd",
        backgroundColor: "#0d6efd",
      };
      new window.Chart(canvas, {
        type: "scatter",
        data: { datasets: [...curves, child] },
        options: {
          responsive: true,
          maintainAspectRatio: true,
          animation: false,
          plugins: { legend: { labels: { boxWidth: 12 } } },
          scales: {
            x: { type: "linear", title: { display: true, text: chart.x_label } },
            y: { title: { display: true, text: chart.y_label } },
          },
        },
      });
    });
  };

  document.addEventListener("DOMContentLoaded", draw);
  // A measurement added with htmx swaps the section, charts included.
  document.addEventListener("htmx:afterSettle", draw);
})();
