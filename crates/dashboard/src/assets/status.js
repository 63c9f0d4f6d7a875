// Forewarn status view: services, their status and uptime, incidents in
// plain words. It receives only the public state (no evidence, no
// probabilities, no ids, no actions), whole, each time it changes.
"use strict";

function renderStatus(s) {
  FW.setClock(s.now, s.clock);
  FW.showClock();
  const out = s.services.filter((x) => x.status === "outage");
  const banner = document.getElementById("banner");
  if (out.length > 0) {
    banner.className = "banner down";
    banner.textContent = out.length === 1 ? out[0].name + " is unavailable" : out.length + " services are unavailable";
  } else if (s.services.some((x) => x.status === "operational")) {
    banner.className = "banner ok";
    banner.textContent = "All systems operational";
  } else {
    banner.className = "banner";
    banner.textContent = "No data yet";
  }
  const win = FW.dur(s.uptime_window_s);
  FW.fill("services", s.services.map((x) => {
    const li = FW.el("li", "service");
    li.dataset.service = x.name;
    li.append(FW.el("span", "name", x.name));
    const right = FW.el("span");
    right.append(FW.el("span", "up", x.uptime === undefined ? "" : FW.pct(x.uptime, 2) + " uptime (" + win + ")"));
    right.append(FW.el("span", "state " + x.status, x.status_text));
    li.append(right);
    return li;
  }));
  const inc = s.incidents.map((i) => {
    const li = FW.el("li");
    li.append(FW.el("span", "when", FW.time(i.started_at)));
    li.append(FW.el("span", "badge " + (i.resolved ? "done" : "open"), i.resolved ? "resolved" : "ongoing"));
    li.append(FW.el("span", "text", i.text));
    return li;
  });
  FW.fill("incidents", inc.length ? inc : [FW.el("li", "empty", "No incidents.")]);
}

FW.live("/api/status/events", { state: renderStatus });
setInterval(FW.showClock, 1000);
