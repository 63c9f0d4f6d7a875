//! Content-derived ids. An id is the XXH3-128 hash of the parts that identify
//! an event, printed as 32 hex digits: the same content gives the same id in
//! every process and after every restart, so consumers can de-duplicate
//! at-least-once deliveries.

use xxhash_rust::xxh3::Xxh3;

/// Hash `parts` into a stable 32-hex-digit id. Parts are length-prefixed so
/// `["ab", "c"]` and `["a", "bc"]` differ.
///
/// ```
/// use forewarn_core::id::content_id;
/// assert_eq!(content_id(&["a", "b"]), content_id(&["a", "b"]));
/// assert_ne!(content_id(&["ab", "c"]), content_id(&["a", "bc"]));
/// ```
pub fn content_id(parts: &[&str]) -> String {
    let mut h = Xxh3::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    format!("{:032x}", h.digest128())
}
