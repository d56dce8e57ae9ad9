// Patient pages: add guardian rows to the registration and edit forms. No inline scripts (CSP).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
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
      // The template is the server-rendered empty form: it holds no user data.
      container.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__prefix__", String(index)));
      total.value = String(index + 1);
      const rows = container.querySelectorAll(".guardian-row");
      rows[rows.length - 1].querySelector("input, select")?.focus();
    });
  });
});
