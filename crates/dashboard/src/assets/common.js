// Forewarn dashboard: helpers shared by both views (DOM building, the
// theme switch, the dashboard's clock, the live connection). No library,
// nothing loaded from elsewhere.
"use strict";

// Set once per page load: a reload would change them (the end-to-end test
// checks they do not).
window.forewarnLoadId = Math.random().toString(36).slice(2);
window.forewarnRenders = 0;

const FW = {
  // An element with a class and text (text is never parsed as HTML).
  el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  },
  // Replace the children of `id` with `nodes`.
  fill(id, nodes) {
    const box = document.getElementById(id);
    if (box) box.replaceChildren(...nodes);
  },
  pct(x, digits) {
    if (x === null || x === undefined) return "—";
    return (x * 100).toFixed(digits === undefined ? 3 : digits) + " %";
  },
  // 40 s, 12 min, 3 h 5 min, 2 d 4 h
  dur(s) {
    const neg = s < 0; s = Math.abs(Math.round(s));
    let out;
    if (s < 60) out = s + " s";
    else if (s < 3600) out = Math.floor(s / 60) + " min";
    else if (s < 86400) out = Math.floor(s / 3600) + " h" + (s % 3600 >= 60 ? " " + Math.floor((s % 3600) / 60) + " min" : "");
    else out = Math.floor(s / 86400) + " d" + (s % 86400 >= 3600 ? " " + Math.floor((s % 86400) / 3600) + " h" : "");
    return neg ? "-" + out : out;
  },
  // mm:ss or h:mm:ss, for countdowns
  clockTime(s) {
    s = Math.max(0, Math.round(s));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), x = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    return (h > 0 ? h + ":" + two(m) : String(m)) + ":" + two(x);
  },
  time(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return d.toISOString().slice(5, 16).replace("T", " ") + " UTC";
  },
  words(snake) { return String(snake || "").replace(/_/g, " "); },

  // The dashboard's "now": the server's clock, advancing with the wall
  // clock when it is the wall clock; frozen at the newest event time in
  // a replay (event clock).
  serverNow: null, receivedAt: 0, clockMode: "wall",
  setClock(nowIso, mode) {
    if (!nowIso) return;
    FW.serverNow = Date.parse(nowIso); FW.receivedAt = Date.now(); FW.clockMode = mode || FW.clockMode;
  },
  now() {
    if (FW.serverNow === null) return Date.now();
    return FW.clockMode === "wall" ? FW.serverNow + (Date.now() - FW.receivedAt) : FW.serverNow;
  },
  showClock() {
    const c = document.getElementById("clock");
    if (!c) return;
    const t = new Date(FW.now()).toISOString().slice(0, 19).replace("T", " ") + " UTC";
    c.textContent = FW.clockMode === "event" ? "event time " + t : t;
    c.title = FW.clockMode === "event" ? "replay: the clock is the newest event's time" : "wall clock";
  },

  // Server-sent events from `url`; `on` maps event names to handlers of
  // their parsed data. The browser reconnects by itself; the server sends
  // the whole state again on each connection.
  live(url, on) {
    const mark = (ok) => {
      const l = document.getElementById("live");
      if (!l) return;
      l.className = "live " + (ok ? "on" : "off");
      l.textContent = ok ? "live" : "reconnecting";
    };
    const src = new EventSource(url);
    src.onopen = () => mark(true);
    src.onerror = () => mark(false);
    for (const [name, fn] of Object.entries(on)) {
      src.addEventListener(name, (ev) => {
        mark(true);
        fn(JSON.parse(ev.data));
        window.forewarnRenders++;
      });
    }
    return src;
  },

  theme() {
    const root = document.documentElement;
    const saved = localStorage.getItem("forewarn-theme");
    const dark = saved ? saved === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "dark" : "light";
    const b = document.getElementById("theme");
    if (b) b.onclick = () => {
      root.dataset.theme = root.dataset.theme === "dark" ? "light" : "dark";
      localStorage.setItem("forewarn-theme", root.dataset.theme);
    };
  },
};

// ?theme=dark|light forces one (for screenshots).
(function () {
  const forced = new URLSearchParams(location.search).get("theme");
  if (forced === "dark" || forced === "light") localStorage.setItem("forewarn-theme", forced);
  FW.theme();
})();
