// The clinical handbook: video chapters, printing, classification table rows. No inline scripts (CSP).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Chapter buttons: data-seek="<seconds>" jumps the video (data-video="<id>") to that time.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-seek]");
    if (!button) {
      return;
    }
    const video = document.getElementById(button.dataset.video || "topic-video");
    const seconds = Number.parseFloat(button.dataset.seek);
    if (!video || Number.isNaN(seconds)) {
      return;
    }
    video.currentTime = seconds;
    video.play().catch(() => {
      // Autoplay refused (no user gesture recognised): the position is set, the reader presses play.
    });
    video.scrollIntoView({ behavior: "smooth", block: "nearest" });
  });

  document.querySelectorAll("[data-action='print']").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });

  // Editing: "Add a row" copies the server-rendered empty form of a formset.
  document.querySelectorAll("[data-formset-add]").forEach((button) => {
    const prefix = button.dataset.formsetAdd;
    const template = document.getElementById(`${prefix}-empty-form`);
    const container = document.getElementById(`${prefix}-forms`);
    const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
    if (!template || !container || !total) {
      return;
    }
    button.addEventListener("click", () => {
      const index = Number.parseInt(total.value, 10);
      container.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__prefix__", String(index)));
      total.value = String(index + 1);
      container.lastElementChild?.querySelector("input, select, textarea")?.focus();
    });
  });
});
