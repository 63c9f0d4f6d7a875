//! [`AuditKey`]: the secret that keys the audit chain. With
//! `FOREWARN_AUDIT_KEY` set, every line carries, besides its SHA-256
//! `hash`, a `mac`: HMAC-SHA256 under the key of the same bytes. Whoever
//! edits a line can recompute its SHA-256 (and every later one), but not
//! its MAC without the key, so `forewarn audit verify` with the key names
//! the edited line. The key is the variable's bytes as given (at least 16
//! of them; a longer random string is better), never written anywhere.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::AuditError;

/// The environment variable holding the key.
pub const KEY_VAR: &str = "FOREWARN_AUDIT_KEY";

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;

/// The key of a keyed audit log (its bytes are never printed).
#[derive(Clone)]
pub struct AuditKey(Vec<u8>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

impl AuditKey {
    /// A key of these bytes; refused when shorter than [`MIN_KEY_BYTES`].
    pub fn new(bytes: &[u8]) -> Result<Self, AuditError> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(AuditError::Key(format!(
                "{KEY_VAR} is {} bytes long; at least {MIN_KEY_BYTES} are needed",
                bytes.len()
            )));
        }
        Ok(Self(bytes.to_vec()))
    }

    /// The key in `FOREWARN_AUDIT_KEY`, `None` when it is unset or empty.
    pub fn from_env() -> Result<Option<Self>, AuditError> {
        match std::env::var_os(KEY_VAR) {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => Self::new(v.as_encoded_bytes()).map(Some),
        }
    }

    fn hmac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length")
    }

    /// HMAC-SHA256 of `bytes`, hex.
    pub fn mac(&self, bytes: &[u8]) -> String {
        let mut m = self.hmac();
        m.update(bytes);
        hex(&m.finalize().into_bytes())
    }

    /// Whether `mac` (hex) is the MAC of `bytes` (compared in constant time).
    pub fn verify(&self, bytes: &[u8], mac: &str) -> bool {
        let Some(raw) = unhex(mac) else {
            return false;
        };
        let mut m = self.hmac();
        m.update(bytes);
        m.verify_slice(&raw).is_ok()
    }
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mac_verifies_under_its_key_only() {
        let k = AuditKey::new(b"0123456789abcdef").unwrap();
        let other = AuditKey::new(b"0123456789abcdeF").unwrap();
        let m = k.mac(b"line");
        assert_eq!(m.len(), 64);
        assert!(k.verify(b"line", &m));
        assert!(!k.verify(b"line!", &m));
        assert!(!other.verify(b"line", &m));
        assert!(!k.verify(b"line", "zz"));
        assert!(AuditKey::new(b"short").is_err());
        assert_eq!(format!("{k:?}"), "AuditKey(..)");
    }
}
