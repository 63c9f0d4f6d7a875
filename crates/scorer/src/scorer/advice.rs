//! The advisor's hourly checks: once an hour of event time per series, the
//! CPU series (`roles.cpu`) of an instance add their p95, as a share of
//! the role's limit, to its day of hourly CPU (for over-provisioning
//! advice), and a latency series (`roles.latency_p99`) with a configured
//! timeout compares its p50 with it (timeout-below-p99 advice). Advice
//! only: no signals.

use super::evaluate::{Ctx, Evaluator, Sample, Setup};
use super::route::{Hourly, Route};
use super::signal::ts_of;
use super::state::SeriesState;
use crate::error::Result;
use crate::incidents::Signal;
use crate::optimize::{self, DAY_MS, OVER_PROVISIONED_HOURS};

/// An hour, the cadence of the checks.
const HOUR_MS: i64 = 3_600_000;

/// The hourly checks of CPU and latency series.
#[derive(Debug)]
pub(crate) struct HourlyChecks {
    /// The check of the series just updated, when it is due.
    due: Hourly,
}

impl Evaluator for HourlyChecks {
    fn new(_: &Setup<'_>) -> Result<Self> {
        Ok(Self { due: Hourly::None })
    }

    fn update(&mut self, series: &mut SeriesState, route: &Route, sample: &Sample<'_>) {
        if route.hourly == Hourly::None {
            return;
        }
        let ts = sample.ts;
        if series.next_hourly_ms == i64::MIN {
            series.next_hourly_ms = ts + HOUR_MS;
        } else if ts >= series.next_hourly_ms {
            series.next_hourly_ms += HOUR_MS * (1 + (ts - series.next_hourly_ms) / HOUR_MS);
            self.due = route.hourly;
        }
    }

    fn evaluate(&mut self, ctx: &mut Ctx<'_>, _: &mut Vec<Signal>) {
        let what = std::mem::take(&mut self.due);
        if what == Hourly::None {
            return;
        }
        let s = ctx.sample.series;
        let w = &mut *ctx.windows;
        if !w.read(ctx.engine, s, w.longest, true) {
            return;
        }
        let now = ts_of(ctx.sample.ts);
        let advice = match what {
            Hourly::None => None,
            Hourly::Cpu => {
                // As a share of the CPU role's limit (1 for a ratio, 100
                // for a percentage).
                let p95 = w.feature(w.at.p95) / ctx.pipeline.roles.cpu.limit;
                let i = &mut *ctx.instance;
                i.cpu_hours.push(p95);
                if i.cpu_hours.len() > OVER_PROVISIONED_HOURS {
                    i.cpu_hours.remove(0);
                }
                let cores = ctx
                    .pipeline
                    .services
                    .get(s.service)
                    .and_then(|c| c.limits.cpu_cores);
                optimize::over_provisioned(s.service, s.instance, &i.cpu_hours, cores, now)
            }
            Hourly::Latency { timeout_ms } => {
                optimize::timeout_below_p99(s.service, timeout_ms as f64, w.feature(w.at.p50), now)
            }
        };
        if let Some(a) = advice {
            ctx.optimizations.extend(ctx.advisor.offer(a, DAY_MS));
        }
    }
}
