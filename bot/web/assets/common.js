// Shared by the dashboard and the overlay: the bot's clock, times in the
// workshop's zone, the event stream, and a safe element builder (text is only
// ever set with textContent, never parsed as HTML).
"use strict";
const WB = (() => {
  const tz = document.body.dataset.timezone || "UTC";
  let hm, hms;
  try {
    hm = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    hms = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  } catch (e) {
    hm = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    hms = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  }
  // The bot's clock may be a rehearsal's, running faster than ours: keep its
  // reading and speed from the last overview, and run it on from there.
  let base = null;
  function setClock(ov) { base = { now: Date.parse(ov.now), at: performance.now(), speed: ov.speed || 1 }; }
  function now() { return base ? base.now + (performance.now() - base.at) * base.speed : Date.now(); }
  function speed() { return base ? base.speed : 1; }
  function clock(ms, seconds) { return (seconds ? hms : hm).format(new Date(ms)); }
  function countdown(ms) {
    let s = Math.max(0, Math.round(ms / 1000));
    const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60; s %= 60;
    const two = (n) => String(n).padStart(2, "0");
    if (h > 0) return "in " + h + " h " + two(m) + " min";
    if (m > 0) return "in " + m + " min " + two(s) + " s";
    return "in " + s + " s";
  }
  // liveAndNext finds the session running at t and the next one to start.
  function liveAndNext(ov, t) {
    let live = null, next = null;
    for (const s of ov.sessions || []) {
      const a = Date.parse(s.start), b = Date.parse(s.end);
      if (!live && a <= t && t < b) live = s;
      if (!next && a > t) next = s;
    }
    return { live, next };
  }
  // follow opens the event stream; the browser reopens it if it drops. A
  // refusal (503: too many dashboards open) closes an EventSource for good,
  // as the HTML standard says for any answer but 200, so follow retries it
  // after the 10 s the server's Retry-After asks for.
  function follow(onOverview, onState) {
    const es = new EventSource("/events");
    es.addEventListener("error", () => {
      if (es.readyState === EventSource.CLOSED) {
        setTimeout(() => follow(onOverview, onState), 10000);
      }
    });
    es.addEventListener("overview", (e) => {
      const ov = JSON.parse(e.data);
      setClock(ov);
      onOverview(ov);
      document.body.dataset.stream = "open"; // the page follows the bot (tests wait for it)
    });
    es.onopen = () => onState && onState(true);
    es.onerror = () => onState && onState(false);
    return es;
  }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function text(id, value) {
    const e = document.getElementById(id);
    if (e && e.textContent !== value) e.textContent = value;
  }
  return { now, speed, clock, countdown, liveAndNext, follow, el, text };
})();
