//! [`Correlator`]: groups incidents into episodes in event time.
//!
//! The rule, a function of the set of incidents only:
//! 1. Incidents are taken in onset order (ties by id); a repeated id is
//!    the same incident.
//! 2. Each joins the episode still open that has a member *related* to it
//!    (same service, or one depends on the other, directly or not, in the
//!    pipeline's `services.*.depends_on`) and whose first onset is at most
//!    `window` before its own; among several, the earliest (then the
//!    smallest first id). Otherwise it starts an episode.
//! 3. An episode is decided once no later incident can join it: when
//!    event time has passed its first onset + `window`.
//!
//! In batch ([`correlate`]) every incident is known, so the order is
//! simply sorted. In streaming, incidents of different partitions arrive
//! in any order, so [`Correlator::push`] holds each until the watermark
//! ([`crate::Watermarks`]) passes its onset, and [`Correlator::advance`]
//! then takes the held ones in onset order: every incident earlier than
//! the watermark is known by then, so the order, and the episodes, are
//! those of the batch run whatever the arrival order. An incident that
//! arrives with its onset already behind the watermark (later than the
//! allowed lateness) is counted as late and grouped at once with what is
//! still open.

use std::collections::BTreeMap;

use forewarn_core::graph::DependencyGraph;
use serde::{Deserialize, Serialize};

use crate::episode::Episode;
use crate::incident::Incident;

/// Grouping knobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// How long after an episode's first onset a related incident still
    /// joins it, ms.
    pub window_ms: i64,
}

/// The default grouping window: 30 minutes (the simulator's cascades
/// reach a caller a quarter to half of the root's lead time later).
pub const DEFAULT_WINDOW_MS: i64 = 30 * 60 * 1000;

impl Default for Options {
    fn default() -> Self {
        Self {
            window_ms: DEFAULT_WINDOW_MS,
        }
    }
}

/// An episode still accepting members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Open {
    first_ms: i64,
    members: Vec<Incident>,
}

/// What the correlator has counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Incidents accepted.
    pub incidents: u64,
    /// Repeats of an incident already accepted (redeliveries).
    pub duplicates: u64,
    /// Incidents that arrived with their onset behind the watermark.
    pub late: u64,
    /// Episodes decided.
    pub episodes: u64,
    /// Of which spanning several services.
    pub cascades: u64,
}

/// The grouping state; serialisable, so a checkpoint restores it exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correlator {
    options: Options,
    /// Incidents held until the watermark passes their onset, by (onset, id).
    #[serde(with = "held_serde")]
    held: BTreeMap<(i64, String), Incident>,
    /// Episodes still accepting members, oldest first.
    open: Vec<Open>,
    /// Ids accepted and their onsets (pruned a window behind the watermark).
    seen: BTreeMap<String, i64>,
    /// The watermark reached, ms (`i64::MIN` before the first).
    watermark_ms: i64,
    counts: Counts,
}

fn related(graph: &DependencyGraph, a: &str, b: &str) -> bool {
    graph.reaches(a, b) || graph.reaches(b, a)
}

impl Correlator {
    /// An empty correlator.
    pub fn new(options: Options) -> Self {
        Self {
            options,
            held: BTreeMap::new(),
            open: Vec::new(),
            seen: BTreeMap::new(),
            watermark_ms: i64::MIN,
            counts: Counts::default(),
        }
    }

    /// Its options.
    pub fn options(&self) -> Options {
        self.options
    }

    /// The watermark reached, ms (`None` before the first).
    pub fn watermark_ms(&self) -> Option<i64> {
        (self.watermark_ms != i64::MIN).then_some(self.watermark_ms)
    }

    /// What it counted so far.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Incidents held or in an open episode.
    pub fn pending(&self) -> usize {
        self.held.len() + self.open.iter().map(|o| o.members.len()).sum::<usize>()
    }

    /// Take one incident; returns false for a repeat. An incident whose
    /// onset the watermark has already passed (late) is grouped at once.
    pub fn push(&mut self, graph: &DependencyGraph, incident: Incident) -> bool {
        if self.seen.contains_key(&incident.id) {
            self.counts.duplicates += 1;
            return false;
        }
        self.seen.insert(incident.id.clone(), incident.onset_ms);
        self.counts.incidents += 1;
        if incident.onset_ms <= self.watermark_ms {
            self.counts.late += 1;
            self.assign(graph, incident);
        } else {
            self.held
                .insert((incident.onset_ms, incident.id.clone()), incident);
        }
        true
    }

    fn assign(&mut self, graph: &DependencyGraph, inc: Incident) {
        let w = self.options.window_ms;
        let target = self
            .open
            .iter_mut()
            .filter(|o| inc.onset_ms >= o.first_ms && inc.onset_ms - o.first_ms <= w)
            .filter(|o| {
                o.members
                    .iter()
                    .any(|m| related(graph, &m.service, &inc.service))
            })
            .min_by(|a, b| (a.first_ms, &a.members[0].id).cmp(&(b.first_ms, &b.members[0].id)));
        match target {
            Some(o) => o.members.push(inc),
            None => self.open.push(Open {
                first_ms: inc.onset_ms,
                members: vec![inc],
            }),
        }
    }

    /// Move the watermark to `watermark_ms` (it never goes back): group
    /// the held incidents it passed, in onset order, and return the
    /// episodes it decided, in onset order (then id).
    pub fn advance(&mut self, graph: &DependencyGraph, watermark_ms: i64) -> Vec<Episode> {
        if watermark_ms <= self.watermark_ms {
            return Vec::new();
        }
        self.watermark_ms = watermark_ms;
        while let Some(entry) = self.held.first_entry() {
            if entry.key().0 > watermark_ms {
                break;
            }
            let inc = entry.remove();
            self.assign(graph, inc);
        }
        let w = self.options.window_ms;
        let (done, open): (Vec<Open>, Vec<Open>) = std::mem::take(&mut self.open)
            .into_iter()
            .partition(|o| o.first_ms.saturating_add(w) <= watermark_ms);
        self.open = open;
        let keep_from = watermark_ms.saturating_sub(w.saturating_mul(2));
        self.seen.retain(|_, onset| *onset >= keep_from);
        let mut out: Vec<Episode> = done
            .into_iter()
            .map(|o| Episode::new(graph, o.members, o.first_ms.saturating_add(w)))
            .collect();
        out.sort_by(|a, b| (a.onset_ms(), &a.id).cmp(&(b.onset_ms(), &b.id)));
        self.counts.episodes += out.len() as u64;
        self.counts.cascades += out.iter().filter(|e| e.is_cascade()).count() as u64;
        out
    }

    /// Decide everything still held or open (the end of a batch run).
    pub fn finish(&mut self, graph: &DependencyGraph) -> Vec<Episode> {
        self.advance(graph, i64::MAX)
    }
}

/// Batch grouping: the episodes of a set of incidents (any order,
/// repeats ignored), in onset order. Streaming with any partitioning
/// gives the same episodes as long as nothing arrives late.
pub fn correlate(
    graph: &DependencyGraph,
    options: Options,
    incidents: impl IntoIterator<Item = Incident>,
) -> Vec<Episode> {
    let mut c = Correlator::new(options);
    for i in incidents {
        c.push(graph, i);
    }
    c.finish(graph)
}

/// The held incidents as a list (JSON object keys must be strings).
mod held_serde {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::incident::Incident;

    pub(super) fn serialize<S: Serializer>(
        held: &BTreeMap<(i64, String), Incident>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        held.values().collect::<Vec<_>>().serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<(i64, String), Incident>, D::Error> {
        Ok(Vec::<Incident>::deserialize(d)?
            .into_iter()
            .map(|i| ((i.onset_ms, i.id.clone()), i))
            .collect())
    }
}
