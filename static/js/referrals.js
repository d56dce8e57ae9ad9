// Cloud Pediatrics: referral pages. No inline scripts (CSP); loaded with defer.
"use strict";

(() => {
  if (window.cloudpedsReferrals) {
    return;
  }
  window.cloudpedsReferrals = true;

  // The receiving department list offers only the chosen hospital's departments. The
  // server checks the pair anyway; this spares the doctor a round trip.
  const filterDepartments = (form) => {
    const hospital = form.querySelector("select[name='receiving_hospital']");
    const department = form.querySelector("select[name='receiving_department']");
    if (!hospital || !department) {
      return;
    }
    const chosen = hospital.value;
    department.querySelectorAll("option[data-hospital]").forEach((option) => {
      const matches = !chosen || option.dataset.hospital === chosen;
      option.hidden = !matches;
      option.disabled = !matches;
      if (!matches && option.selected) {
        department.value = "";
      }
    });
  };

  document.querySelectorAll("form[data-referral-form]").forEach((form) => {
    filterDepartments(form);
    form.addEventListener("change", (event) => {
      if (event.target instanceof HTMLSelectElement && event.target.name === "receiving_hospital") {
        filterDepartments(form);
      }
    });
  });

  // A result of the ICD-10 search picks the diagnosis in the select below it.
  document.addEventListener("click", (event) => {
    const pick = event.target instanceof Element ? event.target.closest("[data-diagnosis-pick]") : null;
    if (!pick) {
      return;
    }
    const form = pick.closest("form");
    const select = form ? form.querySelector("select[name='diagnosis']") : null;
    if (select) {
      select.value = pick.dataset.diagnosisPick;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    const results = document.getElementById("diagnosis-results");
    if (results) {
      results.replaceChildren();
    }
    const search = form ? form.querySelector("[data-diagnosis-search]") : null;
    if (search) {
      search.value = "";
    }
  });

  // Enter in the diagnosis search must not send the whole request.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target instanceof Element && event.target.matches("[data-diagnosis-search]")) {
      event.preventDefault();
    }
  });

  // A form marked data-submit-once posts once: a double click must not approve or send
  // twice (the server refuses the second transition anyway; this spares the confusion).
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once") || form.hasAttribute("hx-post")) {
      return;
    }
    if (form.dataset.submitting === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "true";
    window.setTimeout(() => {
      form.querySelectorAll("button[type='submit']").forEach((button) => {
        button.disabled = true;
      });
    }, 0);
  });

  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-submit-once]").forEach((form) => {
      delete form.dataset.submitting;
      form.querySelectorAll("button[type='submit']").forEach((button) => {
        button.disabled = false;
      });
    });
  });
})();
