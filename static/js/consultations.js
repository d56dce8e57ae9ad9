// Cloud Pediatrics: consultation pages. No inline scripts (CSP); loaded with defer.
"use strict";

(() => {
  if (window.cloudpedsConsultations) {
    return;
  }
  window.cloudpedsConsultations = true;

  // A form marked data-submit-once posts once: a double click on "Send" must not send the
  // case twice. The server refuses a second transition anyway; this spares the doctor the
  // confusing second response. htmx forms are left to hx-disabled-elt.
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
    // A disabled button is not sent with the form: keep which one was pressed
    // ("Save draft" or "Send") in a hidden field before disabling them all.
    const submitter = event.submitter;
    if (submitter && submitter.name) {
      const pressed = document.createElement("input");
      pressed.type = "hidden";
      pressed.name = submitter.name;
      pressed.value = submitter.value;
      pressed.dataset.pressed = "true";
      form.appendChild(pressed);
    }
    form.querySelectorAll("button[type='submit'], input[type='submit']").forEach((button) => {
      button.disabled = true;
    });
  });

  // Coming back with the browser's back button shows the page as it was left: enable the
  // buttons again.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-submit-once]").forEach((form) => {
      delete form.dataset.submitting;
      form.querySelectorAll("[data-pressed]").forEach((input) => input.remove());
      form.querySelectorAll("button[type='submit'], input[type='submit']").forEach((button) => {
        button.disabled = false;
      });
    });
  });

  // Closing feedback: the reason is asked for only when the advice was not adopted fully.
  const updateReason = (form) => {
    const reason = form.querySelector("[data-reason-field]");
    const chosen = form.querySelector("input[name='advice_adopted']:checked");
    if (reason) {
      reason.classList.toggle("d-none", !chosen || chosen.value === "fully");
    }
  };

  document.addEventListener("change", (event) => {
    const form = event.target instanceof Element ? event.target.closest("form[data-close-form]") : null;
    if (form) {
      updateReason(form);
    }
  });

  const init = () => {
    document.querySelectorAll("form[data-close-form]").forEach((form) => {
      // Keep the reason visible when the page came back with an error about it.
      if (!form.querySelector("[data-reason-field] .is-invalid")) {
        updateReason(form);
      }
    });
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
