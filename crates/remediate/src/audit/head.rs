//! The head file beside an audit log ([`head_path`], `FILE.head`): the
//! number of entries and the last hash, replaced atomically on every
//! append, so that a log cut short (or emptied) is told from a short one.
//! In a keyed log the head carries a MAC too, so that whoever cuts the
//! log cannot rewrite its head to match without the key.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::AuditError;
use super::key::AuditKey;

/// What the head file records: the log's length and last hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Head {
    /// Entries in the log.
    pub(crate) entries: u64,
    /// Hash of the last entry ("" when there is none).
    pub(crate) last: String,
    /// HMAC-SHA256 (hex) of `entries` and `last`, in a keyed log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) mac: Option<String>,
}

impl Head {
    /// The head of a log of `entries` entries ending in `last`, with its
    /// MAC when `key` is given.
    pub(crate) fn new(entries: u64, last: String, key: Option<&AuditKey>) -> Self {
        let mac = key.map(|k| k.mac(Self::signed(entries, &last).as_bytes()));
        Self { entries, last, mac }
    }

    fn signed(entries: u64, last: &str) -> String {
        format!("forewarn-audit-head:{entries}:{last}")
    }

    /// Whether its MAC is that of `key`.
    pub(crate) fn mac_ok(&self, key: &AuditKey) -> bool {
        self.mac
            .as_deref()
            .is_some_and(|m| key.verify(Self::signed(self.entries, &self.last).as_bytes(), m))
    }
}

/// The head file of the log at `path`: `FILE.head` beside it.
pub fn head_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".head");
    path.with_file_name(name)
}

/// Replace the head file (write a temporary file, sync, rename).
pub(crate) fn write_head(path: &Path, head: &Head) -> Result<(), AuditError> {
    let target = head_path(path);
    let io = |source| AuditError::Io {
        path: target.clone(),
        source,
    };
    let mut tmp_name = target.as_os_str().to_os_string();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    let mut f = File::create(&tmp).map_err(io)?;
    f.write_all(&serde_json::to_vec(head).unwrap_or_default())
        .map_err(io)?;
    f.sync_data().map_err(io)?;
    std::fs::rename(&tmp, &target).map_err(io)
}

/// The head file of `path`, if there is one.
pub(crate) fn read_head(path: &Path) -> Result<Option<Head>, AuditError> {
    let target = head_path(path);
    match std::fs::read(&target) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| AuditError::Broken {
                path: target,
                line: 1,
                reason: format!("not an audit head: {e}"),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(AuditError::Io {
            path: target,
            source,
        }),
    }
}
