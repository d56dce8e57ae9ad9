// Cloud Pediatrics: referral metrics charts. Data comes from the page (json_script);
// Chart.js is vendored (static/vendor/chartjs). No inline scripts (CSP).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("referral-metrics");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const labels = data.labels;
  const common = { responsive: true, maintainAspectRatio: true, animation: false };

  const draw = (id, config) => {
    const canvas = document.getElementById(id);
    if (canvas) {
      new window.Chart(canvas, config);
    }
  };

  draw("chart-volume", {
    type: "bar",
    data: {
      labels: data.months,
      datasets: [
        { label: labels.up, data: data.up, backgroundColor: "#dc3545" },
        { label: labels.down, data: data.down, backgroundColor: "#198754" },
      ],
    },
    options: { ...common, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
  });

  draw("chart-decision", {
    type: "line",
    data: {
      labels: data.months,
      datasets: [{ label: labels.median_hours, data: data.median_hours, borderColor: "#0d6efd", spanGaps: true }],
    },
    options: { ...common, scales: { y: { beginAtZero: true } } },
  });

  draw("chart-rejections", {
    type: "bar",
    data: {
      labels: data.rejections.map((row) => row.label),
      datasets: [{ label: labels.rejections, data: data.rejections.map((row) => row.count), backgroundColor: "#6c757d" }],
    },
    options: { ...common, indexAxis: "y", scales: { x: { beginAtZero: true } } },
  });

  draw("chart-outcomes", {
    type: "line",
    data: {
      labels: data.months,
      datasets: [
        { label: labels.arrived_share, data: data.arrived_share, borderColor: "#198754", spanGaps: true },
        { label: labels.completion, data: data.completion, borderColor: "#fd7e14", spanGaps: true },
      ],
    },
    options: { ...common, scales: { y: { beginAtZero: true, max: 100 } } },
  });
});
