//! Grouping accuracy (GA), as defined by the Loghub benchmark: a message is
//! correctly parsed when the parser's group that holds it contains exactly
//! the messages of its ground-truth event, and GA is the share of correctly
//! parsed messages. Only the two partitions matter, not template text.

use std::collections::HashMap;
use std::hash::Hash;

/// GA of `parsed` against `truth` (one label per message, same order).
/// Returns 0 for empty input; panics if the lengths differ.
///
/// ```
/// use forewarn_logs::accuracy::grouping_accuracy;
/// // Event A split into two groups: its 2 messages are wrong, B's 2 are right.
/// assert_eq!(grouping_accuracy(&["A", "A", "B", "B"], &[1, 2, 3, 3]), 0.5);
/// ```
pub fn grouping_accuracy<T: Eq + Hash, P: Eq + Hash>(truth: &[T], parsed: &[P]) -> f64 {
    assert_eq!(truth.len(), parsed.len(), "one parsed label per message");
    if truth.is_empty() {
        return 0.0;
    }
    let mut truth_size: HashMap<&T, usize> = HashMap::new();
    for t in truth {
        *truth_size.entry(t).or_default() += 1;
    }
    // For each parsed group: its size and the truth label of its members,
    // or None once two different truth labels were seen.
    let mut groups: HashMap<&P, (usize, Option<&T>)> = HashMap::new();
    for (t, p) in truth.iter().zip(parsed) {
        let g = groups.entry(p).or_insert((0, Some(t)));
        g.0 += 1;
        if g.1 != Some(t) {
            g.1 = None;
        }
    }
    let correct: usize = groups
        .values()
        .filter_map(|&(n, t)| t.filter(|t| truth_size[t] == n).map(|_| n))
        .sum();
    correct as f64 / truth.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_split_and_merge() {
        let truth = ["a", "a", "b", "c"];
        assert_eq!(grouping_accuracy(&truth, &[7, 7, 8, 9]), 1.0);
        // Merging b and c costs both.
        assert_eq!(grouping_accuracy(&truth, &[7, 7, 8, 8]), 0.5);
        // Splitting a costs both of a.
        assert_eq!(grouping_accuracy(&truth, &[1, 2, 8, 9]), 0.5);
        assert_eq!(grouping_accuracy::<&str, u8>(&[], &[]), 0.0);
    }
}
