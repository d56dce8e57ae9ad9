// Cloud Pediatrics: clinical file uploads. Loaded by the file list (page and htmx fragment);
// may be loaded more than once, so it registers its listeners only the first time.
"use strict";

(() => {
  if (window.cloudpedsAttachments) {
    return;
  }
  window.cloudpedsAttachments = true;

  // Refuse a too-large file before it is sent: on a slow hospital line a 25 MB photo
  // takes minutes, only for the server to refuse it. The server checks again anyway.
  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) {
      return;
    }
    const limit = Number(input.dataset.maxBytes);
    const tooLarge = Array.from(input.files || []).some((file) => file.size > limit);
    input.setCustomValidity(tooLarge ? input.dataset.tooLargeMessage || "" : "");
    if (tooLarge) {
      input.reportValidity();
    }
  });

  // Upload progress for forms sent by htmx.
  const progressOf = (event) => {
    const form = event.target instanceof Element ? event.target.closest("form[data-attachment-upload]") : null;
    return form ? form.querySelector("progress[data-upload-progress]") : null;
  };

  document.addEventListener("htmx:xhr:loadstart", (event) => {
    const bar = progressOf(event);
    if (bar) {
      bar.value = 0;
      bar.classList.remove("d-none");
    }
  });

  document.addEventListener("htmx:xhr:progress", (event) => {
    const bar = progressOf(event);
    if (bar && event.detail.lengthComputable && event.detail.total > 0) {
      bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
    }
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const bar = progressOf(event);
    if (bar) {
      bar.classList.add("d-none");
    }
  });
})();
