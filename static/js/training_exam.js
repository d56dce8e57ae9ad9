// Cloud Pediatrics: the exam page. No inline scripts (CSP); loaded with defer.
//
// The countdown runs from the deadline the server gave (#exam-timer, json_script), corrected
// for the difference between this computer's clock and the server's: a wrong clock on a
// clinic PC must not give anyone more or less time. The server enforces the limit anyway.
// Each answer is posted by htmx as it is given; when a save fails (an error response or no
// connection) the question and the top of the page say so, visibly.
"use strict";

(() => {
  const timerData = document.getElementById("exam-timer");
  if (!timerData || window.cloudpedsTrainingExam) {
    return;
  }
  window.cloudpedsTrainingExam = true;

  const timer = JSON.parse(timerData.textContent);
  const text = timer.messages;
  const deadline = Date.parse(timer.deadline);
  // Server time minus this computer's time, measured when the page arrived.
  const skew = Date.parse(timer.serverNow) - Date.now();
  const countdown = document.querySelector("[data-countdown]");
  const warning = document.querySelector("[data-save-warning]");
  const timeUp = document.querySelector("[data-time-up]");
  const submitForm = document.querySelector("form[data-submit-attempt]");
  let submitted = false;

  const pad = (n) => String(n).padStart(2, "0");

  const showWarning = (message) => {
    if (!warning) {
      return;
    }
    warning.textContent = message;
    warning.classList.remove("d-none");
  };

  const submitNow = () => {
    if (submitted || !submitForm) {
      return;
    }
    submitted = true;
    submitForm.submit();
  };

  const tick = () => {
    const left = Math.max(0, Math.floor((deadline - (Date.now() + skew)) / 1000));
    const hours = Math.floor(left / 3600);
    const minutes = Math.floor((left % 3600) / 60);
    const seconds = left % 60;
    if (countdown) {
      countdown.textContent = (hours ? `${hours}:` : "") + `${pad(minutes)}:${pad(seconds)}`;
      countdown.classList.toggle("text-danger", left <= 300);
      countdown.dataset.secondsLeft = String(left);
    }
    if (left === 0) {
      if (timeUp) {
        timeUp.textContent = text.timeUp;
        timeUp.classList.remove("d-none");
      }
      document.querySelectorAll("form[data-question] input").forEach((input) => {
        input.disabled = true;
      });
      // Give answers in flight a moment to land, then hand the attempt in.
      window.setTimeout(submitNow, 1500);
      return;
    }
    window.setTimeout(tick, 1000 - ((Date.now() + skew) % 1000));
  };
  tick();

  const statusOf = (element) => {
    const form = element && element.closest ? element.closest("form[data-question]") : null;
    return form ? form.querySelector("[data-status]") : null;
  };

  const setStatus = (status, className, message) => {
    if (!status) {
      return;
    }
    status.replaceChildren();
    const span = document.createElement("span");
    span.className = `small ${className}`;
    span.textContent = message;
    status.appendChild(span);
  };

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const status = statusOf(event.detail.elt);
    if (status) {
      status.dataset.pending = "true";
      setStatus(status, "text-body-secondary", text.saving);
    }
  });

  document.body.addEventListener("htmx:afterRequest", (event) => {
    const status = statusOf(event.detail.elt);
    if (status && event.detail.successful) {
      delete status.dataset.pending;
      delete status.dataset.failed;
      // Every failed save has been repeated successfully: the page-level warning can go.
      if (warning && !document.querySelector("[data-status][data-failed]")) {
        warning.classList.add("d-none");
      }
    }
  });

  // The server answered with an error: the time is over, the attempt was submitted in
  // another tab, or something broke. Its reason is plain text.
  document.body.addEventListener("htmx:responseError", (event) => {
    const status = statusOf(event.detail.elt);
    const xhr = event.detail.xhr;
    const isText = (xhr.getResponseHeader("Content-Type") || "").startsWith("text/plain");
    const reason = isText && xhr.responseText ? xhr.responseText : text.notSaved;
    if (status) {
      status.dataset.failed = "true";
      setStatus(status, "text-danger fw-semibold", `⚠ ${reason}`);
    }
    showWarning(reason);
  });

  // No response at all: offline, or the server cannot be reached. The answer is sent again
  // when the connection comes back (and every few seconds until then), so a learner who
  // does not notice the warning still has it saved.
  const unsent = new Set();
  let retryTimer = null;

  const retryUnsent = () => {
    retryTimer = null;
    unsent.forEach((form) => {
      unsent.delete(form);
      window.htmx.trigger(form, "change");
    });
  };

  document.body.addEventListener("htmx:sendError", (event) => {
    const status = statusOf(event.detail.elt);
    if (status) {
      status.dataset.failed = "true";
      setStatus(status, "text-danger fw-semibold", `⚠ ${text.notSaved}`);
      unsent.add(status.closest("form[data-question]"));
      if (!retryTimer && !submitted) {
        retryTimer = window.setTimeout(retryUnsent, 5000);
      }
    }
    showWarning(text.offline);
  });

  window.addEventListener("offline", () => showWarning(text.offline));
  window.addEventListener("online", () => {
    if (retryTimer) {
      window.clearTimeout(retryTimer);
    }
    retryUnsent();
  });

  if (submitForm) {
    submitForm.addEventListener("submit", (event) => {
      if (submitted) {
        return;
      }
      const unanswered = Array.from(document.querySelectorAll("form[data-question]")).filter(
        (form) => !form.querySelector("input:checked"),
      ).length;
      if (unanswered > 0 && !window.confirm(text.unanswered)) {
        event.preventDefault();
        return;
      }
      submitted = true;
      submitForm.querySelectorAll("button[type='submit']").forEach((button) => {
        button.disabled = true;
      });
    });
  }
})();
