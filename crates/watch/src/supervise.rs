//! The supervisor: start the child, watch it (samples, health, output,
//! commands, signals) until its run ends, then decide: restart after a
//! backoff, or report and exit with the child's status. One task owns all
//! of the state; the other tasks (output capture, health loop, command
//! consumer) only send to it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use forewarn_core::contracts::{LogRecord, ServiceEvent, ServiceEventKind as Kind};
use rustix::process::Signal;
use tokio::sync::mpsc;

use crate::backoff::StartLimit;
use crate::capture::OnLine;
use crate::child::{self, Exit, Running};
use crate::commands::CommandMessage;
use crate::error::{Error, Result};
use crate::health::{self, HealthResult};
use crate::oom::{self, OomCounter};
use crate::options::{RestartPolicy, WatchOptions};
use crate::proc_stats::{self, CpuMeter};
use crate::publish::Publisher;
use crate::samples;
use crate::signals::{Signals, recv, sleep_until};

/// How one run of the child ended.
enum RunEnd {
    /// It exited on its own.
    Exited(Exit),
    /// It is hung (still running) and may be restarted.
    Hung(String),
    /// A restart command arrived (the child is still running).
    Commanded(String),
    /// It exited after the supervisor was told to stop.
    Stopped(Exit),
}

/// What the capture tasks share with the supervisor.
#[derive(Debug)]
struct Output {
    last_lines: VecDeque<String>,
    last_at: Instant,
}

/// Supervises one service.
pub struct Supervisor {
    opts: WatchOptions,
    out: Arc<Publisher>,
    commands: Option<mpsc::Receiver<CommandMessage>>,
    output: Arc<Mutex<Output>>,
    restarts: u32,
    failures: u32,
    start_limit: StartLimit,
    oom: OomCounter,
    last_rss: Option<u64>,
    hz: f64,
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor")
            .field("service", &self.opts.service)
            .field("restarts", &self.restarts)
            .finish_non_exhaustive()
    }
}

impl Supervisor {
    /// A supervisor publishing to `out`, taking restart commands from
    /// `commands` when given.
    pub fn new(
        opts: WatchOptions,
        out: Arc<Publisher>,
        commands: Option<mpsc::Receiver<CommandMessage>>,
    ) -> Self {
        let oom = OomCounter::of(std::process::id());
        let mut opts = opts;
        if opts.memory_limit.is_none() {
            opts.memory_limit = oom.limit_bytes();
        }
        Self {
            start_limit: StartLimit::new(opts.start_limit_burst, opts.start_limit_interval),
            opts,
            out,
            commands,
            output: Arc::new(Mutex::new(Output {
                last_lines: VecDeque::new(),
                last_at: Instant::now(),
            })),
            restarts: 0,
            failures: 0,
            oom,
            last_rss: None,
            hz: rustix::param::clock_ticks_per_second() as f64,
        }
    }

    /// Run until the child is stopped or given up on; returns the exit
    /// status to leave with (the child's, or 128 + its signal).
    pub async fn run(mut self) -> Result<i32> {
        let mut signals = Signals::new()?;
        let mut reason = String::new();
        self.start_limit.allow(Instant::now());
        loop {
            let oom_before = self.oom.count();
            let mut run = child::spawn(&self.opts.command, self.on_line())?;
            let kind = if self.restarts == 0 {
                Kind::Started
            } else {
                Kind::Restarted
            };
            let mut e = self.event(kind, Some(&run));
            e.reason = std::mem::take(&mut reason);
            self.out.event(&e);
            let end = self.watch_run(&mut run, &mut signals).await?;
            let (exit, hung) = match end {
                RunEnd::Stopped(exit) => {
                    run.drain_output().await;
                    let mut e = self.ended(Kind::Stopped, &run, exit);
                    e.reason = "stopped by a signal to the supervisor".into();
                    self.out.event(&e);
                    return Ok(exit.shell_code());
                }
                RunEnd::Commanded(why) => {
                    let exit = Exit::from(run.stop(self.opts.stop_timeout).await?);
                    run.drain_output().await;
                    tracing::info!(exit = %exit.describe(), "Stopped for a restart command.");
                    self.restarts += 1;
                    reason = why;
                    continue;
                }
                RunEnd::Exited(exit) => (exit, None),
                RunEnd::Hung(detail) => (
                    Exit {
                        code: None,
                        signal: None,
                    },
                    Some(detail),
                ),
            };
            let ran = run.started.elapsed();
            if ran >= self.opts.reset_after {
                self.failures = 0;
            }
            self.failures += 1;
            let kind = match &hung {
                Some(_) => Kind::Hung,
                None => self.exit_kind(&exit, oom_before),
            };
            if kind == Kind::Stopped {
                run.drain_output().await;
                let mut e = self.ended(Kind::Stopped, &run, exit);
                e.reason = "exited cleanly".into();
                self.out.event(&e);
                return Ok(0);
            }
            let delay = self
                .opts
                .backoff
                .delay(self.failures, crate::backoff::unit_random());
            let give_up = if let Some(why) = self.opts.kill_switch.why_disabled() {
                Some(why)
            } else if self.opts.restart == RestartPolicy::Never {
                Some("restart policy is never (recovery_strategy is not restart and auto_retry is false)".to_string())
            } else if !self.start_limit.allow(Instant::now() + delay) {
                Some(format!(
                    "start limit reached: {}",
                    self.start_limit.describe()
                ))
            } else {
                None
            };
            // A hung child is stopped now; a crashed one is gone already.
            let exit = match &hung {
                Some(_) => Exit::from(run.stop(self.opts.stop_timeout).await?),
                None => exit,
            };
            run.drain_output().await;
            let mut e = self.ended(kind, &run, exit);
            if let Some(detail) = &hung {
                e.reason = detail.clone();
                e.exit_code = None;
                e.signal = None;
            } else if kind == Kind::OomKilled {
                e.reason = oom::verdict(
                    oom_before,
                    self.oom.count(),
                    self.last_rss,
                    self.opts.memory_limit,
                )
                .unwrap_or_default();
            }
            if give_up.is_none() {
                e.next_delay_ms = Some(delay.as_millis() as u64);
            }
            self.out.event(&e);
            if let Some(why) = give_up {
                let mut e = self.ended(Kind::GaveUp, &run, exit);
                e.reason = why;
                self.out.event(&e);
                return Ok(exit.shell_code());
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                sig = signals.next() => {
                    if sig != Signal::HUP {
                        let mut e = self.ended(Kind::Stopped, &run, exit);
                        e.reason = "stopped by a signal to the supervisor while waiting to restart".into();
                        self.out.event(&e);
                        return Ok(exit.shell_code());
                    }
                }
            }
            self.restarts += 1;
            reason = match &hung {
                Some(_) => "after a hang".to_string(),
                None => format!("after {}", exit.describe()),
            };
        }
    }

    /// `crashed`, `oom_killed` or (a clean exit not to be restarted)
    /// `stopped`.
    fn exit_kind(&self, exit: &Exit, oom_before: Option<u64>) -> Kind {
        if exit.signal == Some(9)
            && oom::verdict(
                oom_before,
                self.oom.count(),
                self.last_rss,
                self.opts.memory_limit,
            )
            .is_some()
        {
            return Kind::OomKilled;
        }
        if exit.code == Some(0) && self.opts.restart != RestartPolicy::Always {
            return Kind::Stopped;
        }
        Kind::Crashed
    }

    /// Watch one run until it ends.
    async fn watch_run(&mut self, run: &mut Running, signals: &mut Signals) -> Result<RunEnd> {
        let (health_tx, mut health_rx) = mpsc::channel::<HealthResult>(4);
        let health_task = self
            .opts
            .health
            .as_ref()
            .map(|h| health::spawn_loop(h.schedule.clone(), health_tx));
        let mut tick = tokio::time::interval(self.opts.sample_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut cpu = CpuMeter::default();
        let mut last_cpu = (Instant::now(), 0u64);
        let (mut fails, mut ever_ok, mut down, mut hung_reported) = (0u32, false, false, false);
        let mut stopping: Option<Instant> = None;
        let end = loop {
            let kill_at = stopping.map(|t| t + self.opts.stop_timeout);
            tokio::select! {
                status = run.child.wait() => {
                    let exit = Exit::from(status.map_err(Error::Wait)?);
                    break if stopping.is_some() { RunEnd::Stopped(exit) } else { RunEnd::Exited(exit) };
                }
                _ = tick.tick() => {
                    if let Some(silent) = self.sample(run, &mut cpu, &mut last_cpu)
                        && !hung_reported
                        && stopping.is_none()
                    {
                        hung_reported = true;
                        if let Some(end) = self.hang(silent) {
                            break end;
                        }
                    }
                }
                Some(r) = health_rx.recv() => {
                    self.publish_health(&r);
                    if r.ok {
                        if down || (self.restarts > 0 && !ever_ok) {
                            let mut e = self.event(Kind::Recovered, Some(run));
                            e.reason = r.detail.clone();
                            self.out.event(&e);
                        }
                        self.failures = 0;
                        (fails, ever_ok, down, hung_reported) = (0, true, false, false);
                        continue;
                    }
                    fails += 1;
                    let h = self.opts.health.as_ref().expect("results come from a health check");
                    if ever_ok && !down {
                        down = true;
                        let mut e = self.event(Kind::HealthFailed, Some(run));
                        e.reason = r.detail.clone();
                        self.out.event(&e);
                    }
                    let grace = h.schedule.interval * h.failures_before_hung;
                    if fails >= h.failures_before_hung
                        && (ever_ok || run.started.elapsed() >= grace)
                        && !hung_reported
                        && stopping.is_none()
                    {
                        hung_reported = true;
                        let detail = format!("health check failed {fails} times in a row: {}", r.detail);
                        if let Some(end) = self.hang(detail) {
                            break end;
                        }
                    }
                }
                Some(cmd) = recv(&mut self.commands) => {
                    if !cmd.restarts(&self.opts.service, &self.opts.instance) || stopping.is_some() {
                        continue;
                    }
                    if let Some(why) = self.opts.kill_switch.why_disabled() {
                        tracing::warn!(issue = %cmd.issue_id, "Restart command ignored: {why}.");
                        continue;
                    }
                    break RunEnd::Commanded(cmd.reason());
                }
                sig = signals.next() => {
                    if sig == Signal::HUP {
                        run.signal(Signal::HUP);
                    } else if stopping.is_some() {
                        run.signal(Signal::KILL);
                    } else {
                        run.signal(sig);
                        stopping = Some(Instant::now());
                    }
                }
                _ = sleep_until(kill_at) => {
                    tracing::warn!(pid = run.pid, "The child did not stop in time; killing it.");
                    run.signal(Signal::KILL);
                    stopping = Some(Instant::now() + Duration::from_secs(3600));
                }
            }
        };
        if let Some(t) = health_task {
            t.abort();
        }
        Ok(end)
    }

    /// A hang: `Some` to end the run when it may be restarted; otherwise
    /// the `hung` event now, and the child keeps running.
    fn hang(&mut self, detail: String) -> Option<RunEnd> {
        if self.opts.may_restart() {
            return Some(RunEnd::Hung(detail));
        }
        let mut e = self.event(Kind::Hung, None);
        e.reason = detail;
        e.last_lines = self.last_lines();
        self.out.event(&e);
        None
    }

    /// Sample the tree and publish it; returns a description when the
    /// child has been silent (no output, no CPU) for `silent_hang`.
    fn sample(
        &mut self,
        run: &Running,
        cpu: &mut CpuMeter,
        last_cpu: &mut (Instant, u64),
    ) -> Option<String> {
        let now = Instant::now();
        let t = proc_stats::sample(run.pid)?;
        self.last_rss = Some(t.rss_bytes);
        let cores = self.opts.cpu_cores.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64)
        });
        let mut values = samples::tree_metrics(
            &t,
            cpu.cores(now, t.cpu_ticks),
            cores,
            self.opts.memory_limit,
            self.hz,
        );
        values.push(("process_restarts_total", self.restarts as f64));
        for s in samples::to_samples(&self.opts.service, &self.opts.instance, Utc::now(), &values) {
            self.out.metric(&s);
        }
        if t.cpu_ticks != last_cpu.1 {
            *last_cpu = (now, t.cpu_ticks);
        }
        let silent = self.opts.silent_hang?;
        let quiet_since = self.output.lock().map(|o| o.last_at).unwrap_or(now);
        let quiet = now.saturating_duration_since(quiet_since.max(last_cpu.0).max(run.started));
        (quiet >= silent).then(|| format!("no output and no CPU time for {quiet:?}"))
    }

    fn publish_health(&self, r: &HealthResult) {
        let values = [
            ("health_up", if r.ok { 1.0 } else { 0.0 }),
            ("health_check_latency_ms", r.latency.as_secs_f64() * 1000.0),
        ];
        for s in samples::to_samples(&self.opts.service, &self.opts.instance, Utc::now(), &values) {
            self.out.metric(&s);
        }
    }

    /// What each captured line becomes: a log record, and a last line.
    fn on_line(&self) -> OnLine {
        let out = Arc::clone(&self.out);
        let output = Arc::clone(&self.output);
        let (service, instance, keep) = (
            self.opts.service.clone(),
            self.opts.instance.clone(),
            self.opts.last_lines,
        );
        Arc::new(move |stream, line| {
            let p = crate::level::parse(&line);
            let mut fields = p.fields;
            fields.insert("stream".into(), stream.name().into());
            out.log(&LogRecord {
                schema_version: forewarn_core::SCHEMA_VERSION,
                ts: Utc::now(),
                service: service.clone(),
                instance: instance.clone(),
                level: p.level,
                message: p.message,
                fields,
            });
            if let Ok(mut o) = output.lock() {
                o.last_at = Instant::now();
                if o.last_lines.len() >= keep.max(1) {
                    o.last_lines.pop_front();
                }
                o.last_lines.push_back(line);
            }
        })
    }

    fn last_lines(&self) -> Vec<String> {
        self.output
            .lock()
            .map(|o| o.last_lines.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn event(&self, kind: Kind, run: Option<&Running>) -> ServiceEvent {
        let mut e = ServiceEvent::new(
            &self.opts.service,
            &self.opts.instance,
            kind,
            Utc::now(),
            self.restarts,
        );
        if let Some(r) = run {
            e.pid = Some(r.pid);
            e.started_at = Some(r.started_at);
        }
        e
    }

    /// An event about a run that ended with `exit`, with the last lines.
    fn ended(&self, kind: Kind, run: &Running, exit: Exit) -> ServiceEvent {
        let mut e = self.event(kind, Some(run));
        e.exit_code = exit.code;
        e.signal = exit.signal;
        e.last_lines = self.last_lines();
        e
    }
}
