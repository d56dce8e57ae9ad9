// Cloud Pediatrics, training lesson page: video heartbeats and the reading timer. No inline
// scripts (CSP): configuration comes from the json_script element "training-player".
//
// The video counts as watched on the server only for what was really played: this script
// records the [start, end] seconds of the timeline played (timeupdate while playing, never
// across a seek) and posts them every few seconds. The server merges them, clamps a beat to
// the wall time since the previous one and decides; nothing here is trusted.
"use strict";

(() => {
  const configElement = document.getElementById("training-player");
  const config = configElement ? JSON.parse(configElement.textContent) : {};

  const csrfToken = () => {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  };

  // --- Video ------------------------------------------------------------------------------
  const video = document.querySelector("video[data-training-video]");
  if (video && config.heartbeatUrl) {
    // A jump larger than this between two timeupdates (they come every 0.25 s or so) is a
    // seek, even if the browser did not say so.
    const MAX_STEP = 2.5;
    const pending = [];
    let segmentStart = null;
    let lastTime = 0;
    let sending = false;

    const closeSegment = () => {
      if (segmentStart !== null && lastTime > segmentStart) {
        pending.push([segmentStart, lastTime]);
      }
      segmentStart = null;
    };

    const status = document.querySelector("[data-video-status]");
    const doneText = document.querySelector("template[data-video-done-text]");
    const progressText = document.querySelector("template[data-video-progress-text]");
    const showStatus = (answer) => {
      if (!status) return;
      if (answer.complete && doneText) {
        status.textContent = doneText.content.textContent.trim();
      } else if (progressText) {
        status.textContent = progressText.content.textContent.trim().replace("{percent}", answer.coveragePercent);
      }
    };

    const send = (keepalive) => {
      if (!video.paused && !video.seeking && segmentStart !== null) {
        // Cut the running segment at the beat; the next one starts where it ended.
        closeSegment();
        segmentStart = lastTime;
      }
      if (!pending.length || sending) return;
      const intervals = pending.splice(0, config.maxIntervals || 200);
      sending = !keepalive;
      fetch(config.heartbeatUrl, {
        method: "POST",
        credentials: "same-origin",
        keepalive: Boolean(keepalive),
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ intervals }),
      })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then(showStatus)
        .catch(() => {
          // Try again with the next beat.
          pending.unshift(...intervals);
        })
        .finally(() => {
          sending = false;
        });
    };

    video.addEventListener("playing", () => {
      segmentStart = video.currentTime;
      lastTime = video.currentTime;
    });
    video.addEventListener("timeupdate", () => {
      if (video.paused || video.seeking || segmentStart === null) return;
      const now = video.currentTime;
      if (now < lastTime || now - lastTime > MAX_STEP * (video.playbackRate || 1)) {
        closeSegment();
        segmentStart = now;
      }
      lastTime = now;
    });
    video.addEventListener("seeking", closeSegment);
    video.addEventListener("seeked", () => {
      lastTime = video.currentTime;
      segmentStart = video.paused ? null : video.currentTime;
    });
    video.addEventListener("pause", () => {
      closeSegment();
      send(false);
    });
    video.addEventListener("ended", () => {
      closeSegment();
      send(false);
    });
    window.setInterval(() => send(false), (config.intervalSeconds || 10) * 1000);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") send(true);
    });
    window.addEventListener("pagehide", () => send(true));
  }

  // --- Reading ------------------------------------------------------------------------------
  const readingForm = document.querySelector("form[data-reading-form]");
  if (readingForm) {
    const button = readingForm.querySelector("button[type=submit]");
    const wait = readingForm.querySelector("[data-reading-wait]");
    const secondsLeft = Number(readingForm.dataset.secondsLeft || 0);
    // The server checks the time too; this only spares a refused click.
    window.setTimeout(() => {
      if (button) button.disabled = false;
      if (wait) wait.hidden = true;
    }, secondsLeft * 1000);
  }
})();
