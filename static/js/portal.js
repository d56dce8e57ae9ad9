// Cloud Pediatrics: behaviour shared by every page. No inline scripts (CSP).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Forms marked data-autosubmit submit when one of their fields changes.
  document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
    form.addEventListener("change", () => form.requestSubmit());
  });
});
