// Forewarn operator view: the whole state on connection, then deltas
// merged in place (services by name, issues by id, actions by key), and a
// countdown to each predicted failure that ticks every second.
"use strict";

const S = { services: [], issues: [], actions: [], incidents: [], feed: {}, uptime_window_s: 86400 };

function upsert(list, items, key) {
  const at = new Map(list.map((x, i) => [x[key], i]));
  for (const it of items) {
    if (at.has(it[key])) list[at.get(it[key])] = it;
    else { at.set(it[key], list.length); list.push(it); }
  }
}

function onState(s) {
  Object.assign(S, s);
  render();
}

function onDelta(d) {
  FW.setClock(d.now, S.clock);
  upsert(S.services, d.services, "name");
  S.services.sort((a, b) => a.name.localeCompare(b.name));
  const closed = new Set(d.closed);
  S.issues = S.issues.filter((i) => !closed.has(i.id));
  upsert(S.issues, d.issues, "id");
  const far = "9999";
  S.issues.sort((a, b) => (a.predicted_failure_at || far).localeCompare(b.predicted_failure_at || far) || a.id.localeCompare(b.id));
  upsert(S.actions, d.actions, "key");
  S.actions.sort((a, b) => b.ts.localeCompare(a.ts));
  S.actions = S.actions.slice(0, 50);
  if (d.incidents) S.incidents = d.incidents;
  if (d.feed) S.feed = d.feed;
  render();
}

function render() {
  FW.setClock(S.now, S.clock);
  renderFleet();
  renderIssues();
  renderActions();
  renderBudgets();
  renderIncidents();
  const f = S.feed || {};
  document.getElementById("feed").textContent = f.connected
    ? "feed: " + f.partitions + " partitions, " + f.records + " records read" + (f.undecodable ? ", " + f.undecodable + " not understood" : "")
    : "feed: not connected";
  tick();
}

function renderFleet() {
  document.getElementById("fleet-count").textContent = S.services.length;
  FW.fill("fleet", S.services.map((s) => {
    const t = FW.el("div", "tile " + s.health);
    t.dataset.service = s.name;
    t.dataset.health = s.health;
    t.title = s.reason;
    t.append(FW.el("div", "name", s.name), FW.el("div", "reason", s.reason));
    const figs = FW.el("div", "figs");
    figs.append(FW.el("span", "", "up " + FW.pct(s.uptime, 2)));
    if (s.slo) figs.append(FW.el("span", "", "budget " + FW.pct(Math.max(s.slo.budget_left_ratio, 0), 0)));
    t.append(figs);
    if (s.slo) t.append(budgetBar(s.slo.budget_left_ratio));
    return t;
  }));
}

function budgetBar(ratio) {
  const b = FW.el("div", "bar" + (ratio <= 0 ? " out" : ratio < 0.25 ? " low" : ""));
  const fill = FW.el("span");
  fill.style.width = Math.max(0, Math.min(1, ratio)) * 100 + "%";
  b.append(fill);
  return b;
}

function renderIssues() {
  document.getElementById("issue-count").textContent = S.issues.length;
  if (S.issues.length === 0) {
    FW.fill("issues", [FW.el("p", "empty", "Nothing predicted.")]);
    return;
  }
  FW.fill("issues", S.issues.map((i) => {
    const c = FW.el("article", "issue " + i.severity);
    c.dataset.issueId = i.id;
    const head = FW.el("div", "head");
    const left = FW.el("div");
    left.append(FW.el("div", "kind", FW.words(i.kind)));
    left.append(FW.el("div", "where", i.service + (i.instance ? " / " + i.instance : "")));
    head.append(left);
    const cd = FW.el("div", "countdown", "—");
    if (i.predicted_failure_at) cd.dataset.at = i.predicted_failure_at;
    else cd.textContent = i.observed ? "now" : "no forecast";
    head.append(cd);
    c.append(head);
    const chips = FW.el("div", "chips");
    chips.append(FW.el("span", "chip sev-" + i.severity, i.severity));
    chips.append(FW.el("span", "chip probability", "p = " + (i.probability * 100).toFixed(0) + " %"));
    if (i.predicted_failure_at) chips.append(FW.el("span", "chip", "fails ~" + FW.time(i.predicted_failure_at)));
    if (i.root_cause_service) chips.append(FW.el("span", "chip root-cause", "root cause: " + i.root_cause_service));
    if (i.recommended_action) chips.append(FW.el("span", "chip", "advised: " + i.recommended_action));
    chips.append(FW.el("span", "chip", "opened " + FW.time(i.opened_at)));
    c.append(chips);
    if (i.evidence && i.evidence.length) {
      const t = FW.el("table", "evidence");
      for (const e of i.evidence.slice(0, 5)) {
        const r = FW.el("tr");
        r.append(FW.el("td", "f", e.feature));
        r.append(FW.el("td", "", num(e.value) + (e.baseline !== undefined ? " (normal " + num(e.baseline) + ")" : "")));
        const w = FW.el("td");
        const bar = FW.el("span", "contrib");
        bar.style.width = Math.round(Math.max(0.02, e.contribution) * 60) + "px";
        w.append(bar, FW.el("span", "", " " + Math.round(e.contribution * 100) + " %"));
        r.append(w);
        t.append(r);
      }
      c.append(t);
    }
    if (i.log) c.append(FW.el("div", "logline", "log: " + i.log.template + " (" + i.log.count + " lines, usually " + i.log.baseline.toFixed(1) + ")"));
    return c;
  }));
}

function num(x) {
  if (x === null || x === undefined) return "—";
  const a = Math.abs(x);
  if (a >= 1e9) return (x / 1e9).toFixed(2) + "G";
  if (a >= 1e6) return (x / 1e6).toFixed(2) + "M";
  if (a >= 1e3) return (x / 1e3).toFixed(1) + "k";
  return Number.isInteger(x) ? String(x) : x.toFixed(3);
}

function renderActions() {
  if (S.actions.length === 0) {
    const r = FW.el("tr");
    const td = FW.el("td", "empty", "No action yet.");
    td.colSpan = 7;
    r.append(td);
    FW.fill("actions", [r]);
    return;
  }
  FW.fill("actions", S.actions.map((a) => {
    const r = FW.el("tr");
    r.dataset.key = a.key;
    r.append(FW.el("td", "", FW.time(a.ts)), FW.el("td", "", a.service), FW.el("td", "", a.action), FW.el("td", "", a.mode));
    const ok = a.status === "succeeded" ? "good" : (a.status === "skipped" || a.status === "in_progress") ? "pending" : "bad";
    r.append(FW.el("td", ok, FW.words(a.status)));
    const v = a.verified === true ? ["good", "✓ verified"] : a.verified === false ? ["bad", "✗ not cleared"] : ["pending", "pending"];
    r.append(FW.el("td", v[0] + " verified", v[1]));
    const d = FW.el("td", "detail", a.detail);
    d.title = a.detail;
    r.append(d);
    return r;
  }));
}

function renderBudgets() {
  document.getElementById("uptime-head").textContent = "Uptime (" + FW.dur(S.uptime_window_s) + ")";
  // One row per SLO of each service (availability, latency, error rate).
  FW.fill("budgets", S.services.flatMap((s) => {
    const slos = s.slos && s.slos.length ? s.slos : [null];
    return slos.map((o, i) => {
      const r = FW.el("tr");
      r.dataset.service = s.name;
      if (o) r.dataset.slo = o.name;
      r.append(FW.el("td", "", i ? "" : s.name), FW.el("td", "", i ? "" : FW.pct(s.uptime, 3)));
      if (o) {
        r.append(FW.el("td", "", o.label + " " + FW.pct(o.objective, 1) + " / " + FW.dur(o.period_s) + (o.sli === undefined ? "" : " (SLI " + FW.pct(o.sli, 2) + ")")));
        const b = FW.el("td");
        b.append(FW.el("span", "", FW.pct(o.budget_left_ratio, 1) + " (" + FW.dur(o.budget_left_s) + ")"), budgetBar(o.budget_left_ratio));
        r.append(b);
        const burn = o.fastest_burn_rate;
        r.append(FW.el("td", o.alerts.length ? "bad" : "", burn === undefined ? "—" : burn.toFixed(1) + "×" + (o.alerts.length ? " " + o.alerts.join(", ") : "")));
      } else {
        r.append(FW.el("td", "", "—"), FW.el("td", "", "—"), FW.el("td", "", "—"));
      }
      return r;
    });
  }));
}

function renderIncidents() {
  const items = S.incidents.map((i) => {
    const li = FW.el("li");
    li.append(FW.el("span", "when", FW.time(i.start)));
    li.append(FW.el("span", "badge " + (i.end ? "done" : "open"), i.end ? "resolved" : "ongoing"));
    li.append(FW.el("span", "", i.service + ": " + i.summary + (i.predicted ? " Predicted ahead." : "")));
    return li;
  });
  FW.fill("incidents", items.length ? items : [FW.el("li", "empty", "No incidents.")]);
}

// Countdowns and the clock, every second, without touching anything else.
function tick() {
  FW.showClock();
  const now = FW.now();
  for (const c of document.querySelectorAll(".countdown[data-at]")) {
    const left = (Date.parse(c.dataset.at) - now) / 1000;
    c.classList.toggle("past", left < 0);
    c.textContent = left >= 0 ? "in " + FW.clockTime(left) : "overdue " + FW.dur(-left);
  }
}

FW.live("/api/events", { state: onState, delta: onDelta });
setInterval(tick, 1000);
