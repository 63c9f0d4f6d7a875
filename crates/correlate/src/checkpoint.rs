//! [`Checkpoint`]: what a streaming correlator saves, so that a restart
//! neither loses nor repeats an episode: the grouping state, the
//! event-time clocks, the cascades waiting to resolve, and the next offset of every input partition that
//! the state covers (a restart skips records below them). Saved as JSON,
//! written to a temporary file and renamed over the old one, so a crash
//! mid-write leaves the previous checkpoint whole.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::closer::Closer;
use crate::correlator::Correlator;
use crate::error::{Error, Result};
use crate::watermark::Watermarks;

/// One saved state of a streaming correlator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Next offset to read, by `topic/partition`.
    pub offsets: BTreeMap<String, i64>,
    /// Event-time clocks.
    pub watermarks: Watermarks,
    /// Grouping state.
    pub correlator: Correlator,
    /// Published cascades waiting for their members to resolve.
    #[serde(default)]
    pub closer: Closer,
}

impl Checkpoint {
    /// Read `path`; `Ok(None)` when it does not exist.
    pub fn read(path: &Path) -> Result<Option<Self>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|source| Error::Decode {
                path: path.to_path_buf(),
                source,
            })
    }

    /// Write to `path` atomically (temporary file, sync, rename).
    pub fn write(&self, path: &Path) -> Result<()> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let tmp = path.with_extension("tmp");
        let bytes = serde_json::to_vec(self).map_err(|source| Error::Decode {
            path: path.to_path_buf(),
            source,
        })?;
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(io)?;
            f.write_all(&bytes).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, path).map_err(io)
    }
}
