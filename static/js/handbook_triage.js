// Handbook triage form: when a registered child is chosen, the age comes from the record,
// so the typed-age fields are hidden (the server ignores them then). No inline scripts (CSP).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-testid='triage-form']");
  const age = form?.querySelector("[data-triage-age]");
  if (!form || !age) {
    return;
  }
  const update = () => {
    const chosen = form.querySelector("input[name='patient']:checked");
    age.hidden = Boolean(chosen && chosen.value);
  };
  // The list of children is replaced by htmx as the doctor types: listen on the form.
  form.addEventListener("change", (event) => {
    if (event.target instanceof HTMLInputElement && event.target.name === "patient") {
      update();
    }
  });
  document.body.addEventListener("htmx:afterSwap", update);
  update();
});
