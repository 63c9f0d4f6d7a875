//! [`StoredKey`]: a [`SeriesKey`] packed into one allocation, as the
//! [`FeatureEngine`](crate::FeatureEngine) keeps it. A `SeriesKey` is 96
//! bytes inline and three or more heap blocks (service, instance, metric,
//! labels); packed, the key is 16 bytes inline and one block, and a lookup
//! follows one pointer instead of three.
//!
//! Layout: each of service, instance and metric as a LEB128 length and its
//! bytes, then the number of labels, then each label's name and value the
//! same way, in name order (as [`SeriesKey::labels`] keeps them).
//!
//! A stored key orders, compares and serialises as the [`SeriesKey`] it
//! packs: a checkpoint written from stored keys has the same bytes.
//! [`SeriesRef`] is a key of borrowed parts, for lookups.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use forewarn_core::SeriesKey;
use hashbrown::{DefaultHashBuilder, Equivalent};
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use std::hash::{BuildHasher, Hasher};

/// A [`SeriesKey`] of borrowed parts, for lookups without allocation. It
/// hashes exactly as the owned key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeriesRef<'a> {
    /// Service.
    pub service: &'a str,
    /// Instance.
    pub instance: &'a str,
    /// Metric.
    pub metric: &'a str,
    /// Extra labels.
    pub labels: &'a BTreeMap<String, String>,
}

impl<'a> From<&'a SeriesKey> for SeriesRef<'a> {
    fn from(k: &'a SeriesKey) -> Self {
        Self {
            service: &k.service,
            instance: &k.instance,
            metric: &k.metric,
            labels: &k.labels,
        }
    }
}

impl<'a> From<&'a forewarn_core::contracts::MetricSample> for SeriesRef<'a> {
    fn from(s: &'a forewarn_core::contracts::MetricSample) -> Self {
        Self {
            service: &s.service,
            instance: &s.instance,
            metric: &s.metric,
            labels: &s.labels,
        }
    }
}

impl SeriesRef<'_> {
    /// The owned key.
    pub fn to_key(&self) -> SeriesKey {
        SeriesKey {
            service: self.service.to_string(),
            instance: self.instance.to_string(),
            metric: self.metric.to_string(),
            labels: self.labels.clone(),
        }
    }
}

impl Equivalent<SeriesKey> for SeriesRef<'_> {
    fn equivalent(&self, k: &SeriesKey) -> bool {
        self.service == k.service
            && self.instance == k.instance
            && self.metric == k.metric
            && *self.labels == k.labels
    }
}

/// A [`SeriesKey`] packed into one allocation (see the module docs).
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey(Box<[u8]>);

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Reads the packed parts in order.
#[derive(Debug, Clone)]
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn len(&mut self) -> usize {
        let (mut n, mut shift) = (0usize, 0);
        loop {
            let b = self.0[0];
            self.0 = &self.0[1..];
            n |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return n;
            }
            shift += 7;
        }
    }

    fn bytes(&mut self) -> &'a [u8] {
        let n = self.len();
        let (s, rest) = self.0.split_at(n);
        self.0 = rest;
        s
    }

    fn str(&mut self) -> &'a str {
        // Written from `&str` only (see `StoredKey::new`).
        std::str::from_utf8(self.bytes()).unwrap_or_default()
    }
}

/// The labels of a [`StoredKey`], in name order.
#[derive(Debug, Clone)]
pub struct Labels<'a> {
    left: usize,
    r: Reader<'a>,
}

impl<'a> Iterator for Labels<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some((self.r.str(), self.r.str()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Labels<'_> {}

/// [`Labels`] as bytes.
#[derive(Debug, Clone)]
struct RawLabels<'a> {
    left: usize,
    r: Reader<'a>,
}

impl<'a> Iterator for RawLabels<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some((self.r.bytes(), self.r.bytes()))
    }
}

/// The hash of `k`'s parts: the same as [`StoredKey::hash_into`] gives
/// the stored key of the same series.
pub(crate) fn hash_ref(b: &DefaultHashBuilder, k: &SeriesRef<'_>) -> u64 {
    let mut h = b.build_hasher();
    for p in [k.service, k.instance, k.metric] {
        hash_bytes(&mut h, p.as_bytes());
    }
    for (k, v) in k.labels {
        hash_bytes(&mut h, k.as_bytes());
        hash_bytes(&mut h, v.as_bytes());
    }
    h.finish()
}

pub(crate) fn hash_stored(b: &DefaultHashBuilder, k: &StoredKey) -> u64 {
    let mut h = b.build_hasher();
    k.hash_into(&mut h);
    h.finish()
}

/// Hash `b` as the `str` of those bytes hashes.
#[inline]
fn hash_bytes(h: &mut impl std::hash::Hasher, b: &[u8]) {
    h.write(b);
    h.write_u8(0xff);
}

impl StoredKey {
    /// Pack `key`.
    pub fn new(key: SeriesRef<'_>) -> Self {
        let mut out =
            Vec::with_capacity(4 + key.service.len() + key.instance.len() + key.metric.len());
        put_str(&mut out, key.service);
        put_str(&mut out, key.instance);
        put_str(&mut out, key.metric);
        put_len(&mut out, key.labels.len());
        for (k, v) in key.labels {
            put_str(&mut out, k);
            put_str(&mut out, v);
        }
        Self(out.into_boxed_slice())
    }

    fn parts(&self) -> (&str, &str, &str, Labels<'_>) {
        let mut r = Reader(&self.0);
        let (service, instance, metric) = (r.str(), r.str(), r.str());
        let left = r.len();
        (service, instance, metric, Labels { left, r })
    }

    /// The parts as bytes (no UTF-8 check: lookups, order and hashing).
    fn raw(&self) -> ([&[u8]; 3], RawLabels<'_>) {
        let mut r = Reader(&self.0);
        let parts = [r.bytes(), r.bytes(), r.bytes()];
        let left = r.len();
        (parts, RawLabels { left, r })
    }

    /// Feed the parts to `h` as [`SeriesRef`]'s lookups in the engine do
    /// (each as `str` hashes: its bytes, then `0xff`).
    pub(crate) fn hash_into(&self, h: &mut impl std::hash::Hasher) {
        let (parts, labels) = self.raw();
        for p in parts {
            hash_bytes(h, p);
        }
        for (k, v) in labels {
            hash_bytes(h, k);
            hash_bytes(h, v);
        }
    }

    /// Service.
    pub fn service(&self) -> &str {
        self.parts().0
    }

    /// Instance.
    pub fn instance(&self) -> &str {
        self.parts().1
    }

    /// Metric.
    pub fn metric(&self) -> &str {
        self.parts().2
    }

    /// Extra labels, in name order.
    pub fn labels(&self) -> Labels<'_> {
        self.parts().3
    }

    /// Whether this is the key of `r`.
    pub fn matches(&self, r: &SeriesRef<'_>) -> bool {
        let ([service, instance, metric], labels) = self.raw();
        service == r.service.as_bytes()
            && instance == r.instance.as_bytes()
            && metric == r.metric.as_bytes()
            && labels.left == r.labels.len()
            && labels
                .zip(r.labels)
                .all(|((k, v), (rk, rv))| k == rk.as_bytes() && v == rv.as_bytes())
    }

    /// The owned key.
    pub fn to_key(&self) -> SeriesKey {
        let (service, instance, metric, labels) = self.parts();
        SeriesKey {
            service: service.to_string(),
            instance: instance.to_string(),
            metric: metric.to_string(),
            labels: labels
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// Heap bytes of the packed key.
    pub fn heap_bytes(&self) -> usize {
        self.0.len()
    }
}

impl From<&SeriesKey> for StoredKey {
    fn from(k: &SeriesKey) -> Self {
        Self::new(SeriesRef::from(k))
    }
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (service, instance, metric, labels) = self.parts();
        f.debug_struct("StoredKey")
            .field("service", &service)
            .field("instance", &instance)
            .field("metric", &metric)
            .field("labels", &labels.collect::<Vec<_>>())
            .finish()
    }
}

/// [`SeriesKey`]'s order: service, instance, metric, then labels as a
/// sequence of (name, value).
impl Ord for StoredKey {
    fn cmp(&self, other: &Self) -> Ordering {
        // `str` orders by its bytes.
        let (a, b) = (self.raw(), other.raw());
        a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1))
    }
}

impl PartialOrd for StoredKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

struct LabelMap<'a>(Labels<'a>);

impl Serialize for LabelMap<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.clone() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// Serialised as the [`SeriesKey`] it packs (same fields, same order).
impl Serialize for StoredKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (service, instance, metric, labels) = self.parts();
        let mut st = s.serialize_struct("SeriesKey", 4)?;
        st.serialize_field("service", service)?;
        st.serialize_field("instance", instance)?;
        st.serialize_field("metric", metric)?;
        st.serialize_field("labels", &LabelMap(labels))?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Vec<SeriesKey> {
        let mut long = SeriesKey::new("s".repeat(300), "", "m");
        long.labels.insert("zone".into(), "eu-1".into());
        long.labels.insert("a".into(), "é".repeat(100));
        vec![
            SeriesKey::new("api", "0", "cpu"),
            SeriesKey::new("api", "0", "cpu_total"),
            SeriesKey::new("api", "", "cpu"),
            SeriesKey::new("", "", ""),
            SeriesKey::new("api", "0\u{0}1", "cpu"),
            long,
        ]
    }

    #[test]
    fn round_trips_matches_and_orders_as_the_series_key() {
        let ks = keys();
        for a in &ks {
            let sa = StoredKey::from(a);
            assert_eq!(&sa.to_key(), a);
            assert!(sa.matches(&SeriesRef::from(a)));
            assert_eq!(sa.service(), a.service);
            assert_eq!(sa.metric(), a.metric);
            for b in &ks {
                let sb = StoredKey::from(b);
                assert_eq!(sa.cmp(&sb), a.cmp(b), "{a:?} vs {b:?}");
                assert_eq!(sa.matches(&SeriesRef::from(b)), a == b);
            }
        }
    }

    #[test]
    fn serialises_as_the_series_key() {
        for k in keys() {
            let s = StoredKey::from(&k);
            assert_eq!(
                rmp_serde::to_vec_named(&s).unwrap(),
                rmp_serde::to_vec_named(&k).unwrap()
            );
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                serde_json::to_string(&k).unwrap()
            );
        }
    }
}
