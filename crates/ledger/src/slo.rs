//! Availability, latency and error-rate SLOs: the SLI, the error budget
//! and its burn rates over the SRE workbook's multi-window pairs, as
//! slo-generator and Sloth compute them. All three share the code below;
//! only the SLI's measured and bad time differ ([`Measure`]).
//!
//! - Availability SLI over a window: the share of the service's observed
//!   time in it that it was up (`1 - down / observed`; time before the
//!   first entry about the service is not observed).
//! - Latency and error-rate SLI over a window (time slices, see
//!   `state::slices`): the share of the measured time of the service's
//!   samples of the role's metric (all instances) in it that the value
//!   was within the threshold (`slo.latency_p99_ms`, `slo.error_rate`):
//!   `1 - bad / measured`, each sample covering the time until the next
//!   sample of its series, at most `LedgerOptions::max_slice`.
//! - Error budget over the period ending at `at`: total `(1 - objective)
//!   x period`, consumed `(1 - SLI) x period` (slo-generator's
//!   `error_minutes`: the SLI measured on the data there is, scaled to
//!   the period), left `total - consumed` (negative once overspent), and
//!   the ratio left `left / total`.
//! - Burn rate over a window: `(1 - SLI) / (1 - objective)`; 1 spends the
//!   budget exactly over the period.
//! - Alerts (the workbook's table 5-8, for a 30-day period): page when
//!   both the 1h and 5m burn rates reach 14.4 (2 % of the budget in an
//!   hour), or 6h and 30m reach 6 (5 % in 6 h); ticket when 1d and 2h
//!   reach 3 (10 % in a day), or 3d and 6h reach 1 (10 % in 3 days).
//!   For another period the windows scale by `period / 30d` and the
//!   factors stay (the same shares of the budget), as Sloth does.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::options::{LedgerOptions, SloSpec};
use crate::state::service::ServiceState;
use crate::state::slices::Slices;

const HOUR_MS: i64 = 3_600_000;
const MIN_MS: i64 = 60_000;
const DAYS_30_MS: i64 = 30 * 24 * HOUR_MS;

/// The workbook's pairs for a 30-day period: long window, short window,
/// burn-rate factor, severity.
pub const WORKBOOK_WINDOWS: [(i64, i64, f64, &str); 4] = [
    (HOUR_MS, 5 * MIN_MS, 14.4, "page"),
    (6 * HOUR_MS, 30 * MIN_MS, 6.0, "page"),
    (24 * HOUR_MS, 2 * HOUR_MS, 3.0, "ticket"),
    (72 * HOUR_MS, 6 * HOUR_MS, 1.0, "ticket"),
];

/// One multi-window alert: its windows, factor and the rates measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurnWindow {
    /// Long window, seconds.
    pub long_s: f64,
    /// Short window, seconds.
    pub short_s: f64,
    /// The burn rate both must reach.
    pub factor: f64,
    /// `page` or `ticket`.
    pub severity: String,
    /// Burn rate over the long window (`None`: nothing observed in it).
    pub long_rate: Option<f64>,
    /// Burn rate over the short window.
    pub short_rate: Option<f64>,
    /// Both reach `factor`.
    pub firing: bool,
}

/// An SLO evaluated at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SloStatus {
    /// `availability`, `latency` or `error_rate`.
    pub name: String,
    /// The highest good value of a latency (ms) or error-rate SLO.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Share of time that must be good (up, within the threshold).
    pub objective: f64,
    /// Its period, seconds.
    pub period_s: f64,
    /// Observed (availability) or measured (time slices) time within the
    /// period, seconds.
    pub observed_s: f64,
    /// Bad time within the period (down, over the threshold), seconds.
    pub down_s: f64,
    /// Share of the observed time up (`None`: nothing observed).
    pub sli: Option<f64>,
    /// `(1 - objective) x period`, seconds.
    pub budget_total_s: f64,
    /// `(1 - sli) x period`, seconds.
    pub budget_consumed_s: f64,
    /// `total - consumed`, seconds (negative once overspent).
    pub budget_left_s: f64,
    /// `left / total` (1 untouched, 0 spent, below 0 overspent).
    pub budget_left_ratio: f64,
    /// The multi-window pairs.
    pub burn_rates: Vec<BurnWindow>,
    /// The highest burn rate over any of the windows.
    pub fastest_burn_rate: Option<f64>,
    /// The alerts that fire, e.g. `page: 1h/5m burn ≥ 14.4`.
    pub alerts: Vec<String>,
}

/// What an SLI is measured on.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Measure<'a> {
    /// Up and down time of the service.
    Availability(&'a ServiceState),
    /// Time slices of a role's samples, and the longest slice (ms).
    Slices(&'a Slices, i64),
}

impl Measure<'_> {
    /// Measured and bad time (ms) within `[from, to)`.
    fn measured_bad(&self, from: i64, to: i64) -> (i64, i64) {
        match *self {
            Measure::Availability(svc) => {
                let observed = svc.observed_ms(from, to);
                let down = svc.downtime_ms(from.max(svc.first_seen_ms.unwrap_or(from)), to);
                (observed, down)
            }
            Measure::Slices(s, max_slice) => s.measured_bad_ms(from, to, max_slice),
        }
    }
}

fn sli(m: Measure<'_>, from: i64, to: i64) -> Option<(f64, i64, i64)> {
    let (observed, down) = m.measured_bad(from, to);
    if observed <= 0 {
        return None;
    }
    Some((1.0 - down as f64 / observed as f64, observed, down))
}

/// One SLO of a service: its name, threshold, objective and what it is
/// measured on.
pub(crate) type Objective<'a> = (&'static str, Option<f64>, SloSpec, Measure<'a>);

/// The SLOs of `svc`: availability, then latency and error rate where
/// the pipeline sets their thresholds.
pub(crate) fn objectives<'a>(svc: &'a ServiceState, opts: &LedgerOptions) -> Vec<Objective<'a>> {
    let t = opts.threshold_slos(&svc.name);
    let max_slice = opts.max_slice.num_milliseconds();
    let mut all = vec![(
        "availability",
        None,
        opts.slo(&svc.name),
        Measure::Availability(svc),
    )];
    for (name, slo, slices) in [
        ("latency", t.latency, &svc.latency),
        ("error_rate", t.error_rate, &svc.error_rate),
    ] {
        if let Some(slo) = slo {
            all.push((
                name,
                Some(slo.threshold),
                slo.spec,
                Measure::Slices(slices, max_slice),
            ));
        }
    }
    all
}

/// Every SLO of `svc` evaluated at `at`.
pub(crate) fn evaluate_all(
    svc: &ServiceState,
    opts: &LedgerOptions,
    at: DateTime<Utc>,
) -> Vec<SloStatus> {
    objectives(svc, opts)
        .into_iter()
        .map(|(name, threshold, spec, m)| {
            let mut s = evaluate(m, spec, at);
            s.name = name.to_string();
            s.threshold = threshold;
            s
        })
        .collect()
}

impl SloStatus {
    /// The SLO in a few words: `availability`, `latency ≤ 500 ms`,
    /// `error_rate ≤ 0.01`.
    pub fn label(&self) -> String {
        match (self.threshold, self.name.as_str()) {
            (Some(t), "latency") => format!("latency ≤ {t} ms"),
            (Some(t), name) => format!("{name} ≤ {t}"),
            (None, name) => name.to_string(),
        }
    }
}

fn window_label(ms: i64) -> String {
    if ms % (24 * HOUR_MS) == 0 {
        format!("{}d", ms / (24 * HOUR_MS))
    } else if ms % HOUR_MS == 0 {
        format!("{}h", ms / HOUR_MS)
    } else if ms % MIN_MS == 0 {
        format!("{}m", ms / MIN_MS)
    } else {
        format!("{}s", ms / 1000)
    }
}

/// An SLO measured on `m` at `at` (named `availability`: the caller
/// names the others).
pub(crate) fn evaluate(m: Measure<'_>, spec: SloSpec, at: DateTime<Utc>) -> SloStatus {
    let to = at.timestamp_millis();
    let period = spec.period_ms;
    let budget_ratio = 1.0 - spec.objective;
    let (s, observed, down) = match sli(m, to - period, to) {
        Some((s, o, d)) => (Some(s), o, d),
        None => (None, 0, 0),
    };
    let period_s = period as f64 / 1000.0;
    let total = budget_ratio * period_s;
    let consumed = s.map_or(0.0, |s| (1.0 - s) * period_s);
    let rate = |w: i64| sli(m, to - w, to).map(|(s, _, _)| (1.0 - s) / budget_ratio);
    let mut burn_rates = Vec::new();
    let mut alerts = Vec::new();
    for (long, short, factor, severity) in WORKBOOK_WINDOWS {
        let (long, short) = (scale(long, period), scale(short, period));
        let (l, sh) = (rate(long), rate(short));
        let firing = l.is_some_and(|l| l >= factor) && sh.is_some_and(|s| s >= factor);
        if firing {
            alerts.push(format!(
                "{severity}: {}/{} burn ≥ {factor}",
                window_label(long),
                window_label(short)
            ));
        }
        burn_rates.push(BurnWindow {
            long_s: long as f64 / 1000.0,
            short_s: short as f64 / 1000.0,
            factor,
            severity: severity.to_string(),
            long_rate: l,
            short_rate: sh,
            firing,
        });
    }
    let fastest = burn_rates
        .iter()
        .flat_map(|b| [b.long_rate, b.short_rate])
        .flatten()
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
    SloStatus {
        name: "availability".into(),
        threshold: None,
        objective: spec.objective,
        period_s,
        observed_s: observed as f64 / 1000.0,
        down_s: down as f64 / 1000.0,
        sli: s,
        budget_total_s: total,
        budget_consumed_s: consumed,
        budget_left_s: total - consumed,
        budget_left_ratio: if total > 0.0 {
            (total - consumed) / total
        } else {
            0.0
        },
        burn_rates,
        fastest_burn_rate: fastest,
        alerts,
    }
}

/// A workbook window (for 30 days) scaled to `period`.
fn scale(window_ms: i64, period_ms: i64) -> i64 {
    ((window_ms as i128 * period_ms as i128) / DAYS_30_MS as i128) as i64
}

/// The budget left (ratio) at `points` instants evenly spread over
/// `[from, to]`: the burn-down.
pub(crate) fn burn_down(
    m: Measure<'_>,
    spec: SloSpec,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    points: usize,
) -> Vec<(DateTime<Utc>, f64)> {
    let span = (to - from).num_milliseconds().max(0);
    let n = points.max(2);
    (0..n)
        .map(|i| {
            let t = from + TimeDelta::milliseconds(span * i as i64 / (n as i64 - 1));
            (t, evaluate_budget(m, spec, t))
        })
        .collect()
}

fn evaluate_budget(m: Measure<'_>, spec: SloSpec, at: DateTime<Utc>) -> f64 {
    let to = at.timestamp_millis();
    match sli(m, to - spec.period_ms, to) {
        Some((s, _, _)) => 1.0 - (1.0 - s) / (1.0 - spec.objective),
        None => 1.0,
    }
}
