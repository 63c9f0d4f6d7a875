//! One window of one series: a ring of panes, each holding mergeable moments
//! (count, means, co-moments of time and value, min, max, first sample) and a
//! run of quantile buckets. Pushing is O(1) amortised; reading merges at most
//! `panes` panes. A pane leaves the window whole, so no raw point is kept.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::sketch::{self, Bucket};
use crate::spec::{CompiledSpec, CompiledWindow, Feature};

/// Mergeable statistics of the samples in one pane. Times are seconds from
/// the pane's start, so sums stay well-conditioned.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Pane {
    id: i64,
    n: u32,
    /// Quantile buckets of this pane in `Window::buckets`.
    buckets: u16,
    first_t: i64,
    first_v: f64,
    min: f64,
    max: f64,
    mean_t: f64,
    mean_v: f64,
    m2_t: f64,
    m2_v: f64,
    c_tv: f64,
}

impl Pane {
    fn new(id: i64) -> Self {
        Self {
            id,
            n: 0,
            buckets: 0,
            first_t: i64::MAX,
            first_v: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            mean_t: 0.0,
            mean_v: 0.0,
            m2_t: 0.0,
            m2_v: 0.0,
            c_tv: 0.0,
        }
    }

    /// Welford's update, extended to the time/value co-moment.
    #[inline]
    fn add(&mut self, t: f64, ts: i64, v: f64) {
        self.n += 1;
        let n = f64::from(self.n);
        let dt = t - self.mean_t;
        let dv = v - self.mean_v;
        self.mean_t += dt / n;
        self.mean_v += dv / n;
        let dv_new = v - self.mean_v;
        self.m2_t += dt * (t - self.mean_t);
        self.m2_v += dv * dv_new;
        self.c_tv += dt * dv_new;
        if ts < self.first_t {
            self.first_t = ts;
            self.first_v = v;
        }
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }
}

/// Moments of several panes merged (Chan et al.), times relative to the
/// oldest pane's start.
#[derive(Debug, Default, Clone, Copy)]
struct Merged {
    n: f64,
    mean_t: f64,
    mean_v: f64,
    m2_t: f64,
    m2_v: f64,
    c_tv: f64,
}

impl Merged {
    fn merge(&mut self, p: &Pane, offset_s: f64) {
        let nb = f64::from(p.n);
        let mean_t_b = p.mean_t + offset_s;
        if self.n == 0.0 {
            *self = Merged {
                n: nb,
                mean_t: mean_t_b,
                mean_v: p.mean_v,
                m2_t: p.m2_t,
                m2_v: p.m2_v,
                c_tv: p.c_tv,
            };
            return;
        }
        let na = self.n;
        let n = na + nb;
        let dt = mean_t_b - self.mean_t;
        let dv = p.mean_v - self.mean_v;
        let w = na * nb / n;
        self.mean_t += dt * nb / n;
        self.mean_v += dv * nb / n;
        self.m2_t += p.m2_t + dt * dt * w;
        self.m2_v += p.m2_v + dv * dv * w;
        self.c_tv += p.c_tv + dt * dv * w;
        self.n = n;
    }
}

/// One window: its non-empty panes oldest first, and their quantile buckets
/// stored back to back in the same order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Window {
    panes: VecDeque<Pane>,
    buckets: Vec<Bucket>,
}

/// What a window reader needs to know about its series.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeriesView {
    /// Newest event time of the series (ms).
    pub watermark: i64,
    /// Value at the watermark.
    pub last: f64,
    /// Oldest accepted event time of the series (ms).
    pub first_ts: i64,
}

impl Window {
    /// An empty window; it never holds more than `w.panes` panes, and
    /// allocates them as they fill (a young or sparse series does not pay
    /// for panes it has not used).
    pub(crate) fn new(_: &CompiledWindow) -> Self {
        Self {
            panes: VecDeque::new(),
            buckets: Vec::new(),
        }
    }

    /// Room for one more pane: the ring grows one pane at a time, so it
    /// never holds more than the most panes it has used (at most
    /// `w.panes`; `VecDeque`'s own growth would start at four and double).
    /// A window reallocates at most `w.panes` times in its life.
    #[inline]
    fn reserve_pane(&mut self) {
        if self.panes.len() == self.panes.capacity() {
            self.panes.reserve_exact(1);
        }
    }

    /// Drop panes that left the window now that the newest pane is `cur`.
    #[inline]
    pub(crate) fn expire(&mut self, w: &CompiledWindow, cur: i64) {
        while let Some(front) = self.panes.front() {
            if front.id > cur - w.panes {
                break;
            }
            self.buckets.drain(..usize::from(front.buckets));
            self.panes.pop_front();
            if self.buckets.capacity() > 2 * self.buckets.len() + 16 {
                self.buckets
                    .shrink_to(self.buckets.len() + self.buckets.len() / 4);
            }
        }
    }

    /// Add a sample at `ts` (ms) whose bucket key is `key`, given the series
    /// watermark after this sample. Samples older than the window are ignored.
    #[inline]
    pub(crate) fn push(&mut self, w: &CompiledWindow, ts: i64, v: f64, key: i16, watermark: i64) {
        let cur = watermark.div_euclid(w.pane_ms);
        let id = ts.div_euclid(w.pane_ms);
        if id <= cur - w.panes {
            return;
        }
        self.expire(w, cur);
        // Find the pane from the back: nearly always the newest one.
        let mut idx = self.panes.len();
        while idx > 0 && self.panes[idx - 1].id > id {
            idx -= 1;
        }
        if idx == 0 || self.panes[idx - 1].id != id {
            self.reserve_pane();
            self.panes.insert(idx, Pane::new(id));
        } else {
            idx -= 1;
        }
        let start: usize = if idx + 1 == self.panes.len() {
            self.buckets.len() - usize::from(self.panes[idx].buckets)
        } else {
            self.panes
                .range(..idx)
                .map(|p| usize::from(p.buckets))
                .sum()
        };
        let pane = &mut self.panes[idx];
        let t = (ts - id * w.pane_ms) as f64 / 1000.0;
        pane.add(t, ts, v);
        if sketch::add(&mut self.buckets, start, usize::from(pane.buckets), key) {
            pane.buckets += 1;
        }
    }

    /// Write the selected features of this window to `out`. Quantiles (the
    /// costly part: a merge of every pane's buckets) only when `quantiles`;
    /// otherwise P50/P95/P99 read NaN.
    pub(crate) fn features(
        &self,
        spec: &CompiledSpec,
        w: &CompiledWindow,
        series: SeriesView,
        scratch: &mut Vec<Bucket>,
        quantiles: bool,
        out: &mut [f64],
    ) {
        let cur = series.watermark.div_euclid(w.pane_ms);
        let in_window = |p: &&Pane| p.id > cur - w.panes;
        let Some(oldest) = self.panes.iter().find(in_window) else {
            out.iter_mut().for_each(|o| *o = f64::NAN);
            return;
        };
        let mut m = Merged::default();
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut ew_num, mut ew_den) = (0.0, 0.0);
        for p in self.panes.iter().filter(in_window) {
            m.merge(p, ((p.id - oldest.id) * w.pane_ms) as f64 / 1000.0);
            min = min.min(p.min);
            max = max.max(p.max);
            let weight = w.ewma_weights[(cur - p.id) as usize] * f64::from(p.n);
            ew_num += weight * p.mean_v;
            ew_den += weight;
        }
        let mut qv = [f64::NAN; 3];
        let wants_q = quantiles
            && spec
                .spec
                .features
                .iter()
                .any(|f| matches!(f, Feature::P50 | Feature::P95 | Feature::P99));
        if wants_q {
            // Expired panes are dropped on push; readers skip any left over.
            let skip: usize = self
                .panes
                .iter()
                .take_while(|p| !in_window(p))
                .map(|p| usize::from(p.buckets))
                .sum();
            // Each pane's buckets are a sorted run: merge them.
            let mut runs = [0usize; 16];
            let mut k = 0;
            for p in self.panes.iter().skip_while(|p| !in_window(p)) {
                if k < runs.len() {
                    runs[k] = usize::from(p.buckets);
                }
                k += 1;
            }
            if k <= runs.len() {
                sketch::quantiles_of_runs(
                    &spec.mapping,
                    &self.buckets[skip..],
                    &runs[..k],
                    m.n as u64,
                    &[0.5, 0.95, 0.99],
                    scratch,
                    &mut qv,
                );
            } else {
                sketch::quantiles(
                    &spec.mapping,
                    &self.buckets[skip..],
                    m.n as u64,
                    &[0.5, 0.95, 0.99],
                    scratch,
                    &mut qv,
                );
            }
        }
        let span_s = (series.watermark - oldest.first_t) as f64 / 1000.0;
        for (f, o) in spec.spec.features.iter().zip(out.iter_mut()) {
            *o = match f {
                Feature::Count => m.n,
                Feature::Mean => m.mean_v,
                Feature::Std => {
                    if m.n >= 2.0 {
                        (m.m2_v.max(0.0) / (m.n - 1.0)).sqrt()
                    } else {
                        0.0
                    }
                }
                Feature::Min => min,
                Feature::Max => max,
                Feature::Last => series.last,
                Feature::Ewma => ew_num / ew_den,
                Feature::Slope => {
                    if span_s > 0.0 && m.m2_t > 0.0 {
                        m.c_tv / m.m2_t
                    } else {
                        0.0
                    }
                }
                Feature::SlopeStderr => {
                    if m.n >= 3.0 && span_s > 0.0 && m.m2_t > 0.0 {
                        let sse = (m.m2_v - m.c_tv * m.c_tv / m.m2_t).max(0.0);
                        (sse / (m.n - 2.0) / m.m2_t).sqrt()
                    } else {
                        0.0
                    }
                }
                Feature::RateOfChange => {
                    if span_s > 0.0 {
                        (series.last - oldest.first_v) / span_s
                    } else {
                        0.0
                    }
                }
                Feature::P50 => qv[0],
                Feature::P95 => qv[1],
                Feature::P99 => qv[2],
                Feature::MissingRatio => {
                    let start = ((cur - w.panes + 1) * w.pane_ms).max(series.first_ts);
                    let interval = spec.spec.expected_interval.as_millis();
                    let expected = ((series.watermark - start) / interval + 1) as f64;
                    (1.0 - m.n / expected).clamp(0.0, 1.0)
                }
            };
        }
    }

    /// Heap bytes held by this window.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.panes.capacity() * std::mem::size_of::<Pane>()
            + self.buckets.capacity() * std::mem::size_of::<Bucket>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::FeatureSpec;

    #[test]
    fn the_ring_grows_as_panes_fill_and_never_past_the_pane_count() {
        let spec = FeatureSpec::default_set().compile().unwrap();
        for cw in &spec.windows {
            let mut w = Window::new(cw);
            assert_eq!(w.panes.capacity(), 0, "nothing before the first sample");
            let key = spec.mapping.key(1.0);
            w.push(cw, 0, 1.0, key, 0);
            assert_eq!(
                w.panes.capacity(),
                1,
                "{}: one pane for one sample",
                cw.name
            );
            let mut most = 0;
            for i in 1..2_000i64 {
                let ts = i * 7_000;
                w.push(cw, ts, i as f64, spec.mapping.key(i as f64), ts);
                most = most.max(w.panes.len());
                assert_eq!(w.panes.capacity(), most, "{}", cw.name);
            }
            assert_eq!(most, cw.panes as usize, "{}: every pane used", cw.name);
        }
    }
}
