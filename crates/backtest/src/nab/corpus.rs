//! The NAB corpus: every data file under `data/<category>/`, its label
//! windows from `labels/combined_windows.json`, and the profile weights from
//! `config/profiles.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::data_file::DataFile;
use super::profile::Profiles;
use crate::error::{Error, Result};

/// The window file the scorer uses, relative to the NAB directory.
pub const WINDOWS_FILE: &str = "labels/combined_windows.json";
/// The profiles file, relative to the NAB directory.
pub const PROFILES_FILE: &str = "config/profiles.json";
/// The data directory, relative to the NAB directory.
pub const DATA_DIR: &str = "data";

/// All data files with their windows, plus the profile weights.
#[derive(Debug, Clone)]
pub struct Corpus {
    files: Vec<DataFile>,
    profiles: Profiles,
}

impl Corpus {
    /// Loads a NAB directory: `data/<category>/*.csv`,
    /// `labels/combined_windows.json` and `config/profiles.json`.
    ///
    /// Every data file must have an entry in the windows file (possibly an
    /// empty list) and every entry must name an existing data file. Files
    /// are kept in name order.
    pub fn load(nab_dir: &Path) -> Result<Self> {
        let windows_path = nab_dir.join(WINDOWS_FILE);
        let mut windows = read_windows(&windows_path)?;
        let mut files = Vec::new();
        for name in list_data_files(&nab_dir.join(DATA_DIR))? {
            let bounds = windows.remove(&name).ok_or_else(|| Error::Label {
                file: name.clone(),
                message: format!("not listed in {}", windows_path.display()),
            })?;
            let path = nab_dir.join(DATA_DIR).join(&name);
            files.push(DataFile::read_csv(&path, &name, &bounds)?);
        }
        if let Some(name) = windows.keys().next() {
            return Err(Error::Label {
                file: name.clone(),
                message: "listed in the windows file but has no data file".to_owned(),
            });
        }
        let profiles = Profiles::load(&nab_dir.join(PROFILES_FILE))?;
        Ok(Self { files, profiles })
    }

    /// Builds a corpus from files already in memory (for tests and for
    /// corpora that are not in NAB's directory layout). File names must be
    /// unique.
    pub fn new(files: Vec<DataFile>, profiles: Profiles) -> Result<Self> {
        let mut seen = std::collections::BTreeSet::new();
        for file in &files {
            if !seen.insert(file.name()) {
                return Err(Error::Label {
                    file: file.name().to_owned(),
                    message: "appears twice in the corpus".to_owned(),
                });
            }
        }
        Ok(Self { files, profiles })
    }

    /// The data files, in name order for a loaded corpus.
    pub fn files(&self) -> &[DataFile] {
        &self.files
    }

    /// The data file called `name` (`<category>/<file>.csv`), if any.
    pub fn file(&self, name: &str) -> Option<&DataFile> {
        self.files.iter().find(|f| f.name() == name)
    }

    /// The profile weights.
    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    /// Total number of label windows (116 for NAB v1.1).
    pub fn window_count(&self) -> usize {
        self.files.iter().map(|f| f.windows().len()).sum()
    }

    /// Total number of rows (365,558 for NAB v1.1).
    pub fn row_count(&self) -> usize {
        self.files.iter().map(DataFile::len).sum()
    }

    /// Number of rows after the probationary periods (332,842 for NAB v1.1).
    pub fn scored_row_count(&self) -> usize {
        self.files.iter().map(|f| f.len() - f.probation_len()).sum()
    }
}

/// Reads `combined_windows.json`: file name to a list of `[start, end]`.
fn read_windows(path: &Path) -> Result<BTreeMap<String, Vec<(String, String)>>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let raw: BTreeMap<String, Vec<[String; 2]>> =
        serde_json::from_str(&text).map_err(|source| Error::Json {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(raw
        .into_iter()
        .map(|(name, windows)| {
            let pairs = windows.into_iter().map(|[s, e]| (s, e)).collect();
            (name, pairs)
        })
        .collect())
}

/// `<category>/<file>.csv` for every CSV one level below `data_dir`, sorted.
fn list_data_files(data_dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for category in sorted_entries(data_dir)? {
        if !category.is_dir() {
            continue;
        }
        let category_name = file_name(&category);
        for file in sorted_entries(&category)? {
            if file.is_file() && file.extension().is_some_and(|e| e == "csv") {
                names.push(format!("{category_name}/{}", file_name(&file)));
            }
        }
    }
    Ok(names)
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let io_err = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths = std::fs::read_dir(dir)
        .map_err(io_err)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(io_err)?;
    paths.sort();
    Ok(paths)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
