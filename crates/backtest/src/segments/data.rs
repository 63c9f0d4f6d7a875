//! Reading a segment dataset: `train/NAME.txt`, `test/NAME.txt` and
//! `test_label/NAME.txt` per machine (comma-separated floats, no header, one
//! row per step; one 0/1 per test row). Rows carry no timestamps: row `i`
//! of the train half is at `start + i·step`, the test half follows on.

use std::path::Path;

use forewarn_core::SeriesKey;
use forewarn_train::{History, Series};

use crate::error::{Error, Result};

/// The 38 column names of SMD, in file order (from the dataset's README).
pub const SMD_COLUMNS: [&str; 38] = [
    "cpu_r",
    "load_1",
    "load_5",
    "load_15",
    "mem_shmem",
    "mem_u",
    "mem_u_e",
    "total_mem",
    "disk_q",
    "disk_r",
    "disk_rb",
    "disk_svc",
    "disk_u",
    "disk_w",
    "disk_wa",
    "disk_wb",
    "si",
    "so",
    "eth1_fi",
    "eth1_fo",
    "eth1_pi",
    "eth1_po",
    "tcp_tw",
    "tcp_use",
    "active_opens",
    "curr_estab",
    "in_errs",
    "in_segs",
    "listen_overflows",
    "out_rsts",
    "out_segs",
    "passive_opens",
    "retransegs",
    "tcp_timeouts",
    "udp_in_dg",
    "udp_out_dg",
    "udp_rcv_buf_errs",
    "udp_snd_buf_errs",
];

/// Where the rows of a dataset sit in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Event time of the first train row (ms since the epoch).
    pub start_ms: i64,
    /// Time between two rows (ms).
    pub step_ms: i64,
}

impl Default for Layout {
    /// 2020-01-01T00:00:00Z, one row a minute (SMD's step).
    fn default() -> Self {
        Self {
            start_ms: 1_577_836_800_000,
            step_ms: 60_000,
        }
    }
}

/// One machine: its two halves and the test labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    /// File stem, e.g. `machine-2-1`.
    pub name: String,
    /// Column (metric) names.
    pub columns: Vec<String>,
    /// Train rows, row-major.
    pub train: Vec<Vec<f64>>,
    /// Test rows, row-major.
    pub test: Vec<Vec<f64>>,
    /// One label per test row.
    pub labels: Vec<bool>,
}

fn read_rows(path: &Path) -> Result<Vec<Vec<f64>>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row = line
            .split(',')
            .map(|v| v.trim().parse::<f64>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::Decode {
                path: path.to_path_buf(),
                line: Some(i as u64 + 1),
                message: format!("not a comma-separated row of numbers: {e}"),
            })?;
        if let Some(first) = rows.first().map(Vec::len)
            && row.len() != first
        {
            return Err(Error::Decode {
                path: path.to_path_buf(),
                line: Some(i as u64 + 1),
                message: format!("{} columns, the first row has {first}", row.len()),
            });
        }
        rows.push(row);
    }
    Ok(rows)
}

impl Machine {
    /// Read machine `name` from `dir`. Column names are SMD's when the rows
    /// have 38 columns, else `c1`, `c2`, ...
    pub fn load(dir: &Path, name: &str) -> Result<Self> {
        let file = |sub: &str| dir.join(sub).join(format!("{name}.txt"));
        let train = read_rows(&file("train"))?;
        let test = read_rows(&file("test"))?;
        let label_path = file("test_label");
        let labels: Vec<bool> = read_rows(&label_path)?
            .into_iter()
            .map(|r| r.first().copied().unwrap_or(0.0) > 0.5)
            .collect();
        let width = train.first().map_or(0, Vec::len);
        let bad = |message: String| Error::Decode {
            path: dir.join("*").join(format!("{name}.txt")),
            line: None,
            message,
        };
        if train.is_empty() || test.is_empty() {
            return Err(bad("the train or the test half is empty".into()));
        }
        if test[0].len() != width {
            return Err(bad(format!(
                "train has {width} columns, test {}",
                test[0].len()
            )));
        }
        if labels.len() != test.len() {
            return Err(bad(format!(
                "{} labels for {} test rows",
                labels.len(),
                test.len()
            )));
        }
        let columns = if width == SMD_COLUMNS.len() {
            SMD_COLUMNS.iter().map(|c| c.to_string()).collect()
        } else {
            (1..=width).map(|i| format!("c{i}")).collect()
        };
        Ok(Self {
            name: name.to_string(),
            columns,
            train,
            test,
            labels,
        })
    }

    /// The machine names of `dir` (stems of `train/*.txt` that also have a
    /// test half and labels), sorted.
    pub fn names(dir: &Path) -> Result<Vec<String>> {
        let train = dir.join("train");
        let entries = std::fs::read_dir(&train).map_err(|source| Error::Io {
            path: train.clone(),
            source,
        })?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .filter(|n| {
                let has = |sub: &str| dir.join(sub).join(format!("{n}.txt")).is_file();
                has("test") && has("test_label")
            })
            .collect();
        names.sort_by_key(|n| natural_key(n));
        Ok(names)
    }

    /// The train half from row `from` on, as history of service `name`
    /// (instance `0`), one series per column.
    pub fn train_history(&self, layout: Layout, from: usize) -> History {
        self.history(layout, &[(&self.train, 0)], from)
    }

    /// The last `warm` train rows and the whole test half, as history.
    pub fn replay_history(&self, layout: Layout, warm: usize) -> History {
        let from = self.train.len().saturating_sub(warm);
        self.history(
            layout,
            &[(&self.train, 0), (&self.test, self.train.len())],
            from,
        )
    }

    /// Row index in the test half of event time `ts_ms` (negative: before).
    pub fn test_row(&self, layout: Layout, ts_ms: i64) -> i64 {
        let test_start = layout.start_ms + self.train.len() as i64 * layout.step_ms;
        (ts_ms - test_start).div_euclid(layout.step_ms)
    }

    fn history(&self, layout: Layout, parts: &[(&Vec<Vec<f64>>, usize)], from: usize) -> History {
        let series = self
            .columns
            .iter()
            .enumerate()
            .map(|(c, metric)| {
                let points = parts
                    .iter()
                    .flat_map(|(rows, offset)| {
                        rows.iter()
                            .enumerate()
                            .map(move |(i, r)| (offset + i, r[c]))
                    })
                    .filter(|(row, _)| *row >= from)
                    .map(|(row, v)| (layout.start_ms + row as i64 * layout.step_ms, v))
                    .collect();
                Series::new(
                    SeriesKey::new(self.name.as_str(), "0", metric.as_str()),
                    points,
                )
            })
            .collect();
        History::from_series(series)
    }
}

/// `machine-3-10` after `machine-3-5`: digit runs compare as numbers.
fn natural_key(name: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut digits = String::new();
    let mut text = String::new();
    for ch in name.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
        } else {
            if !digits.is_empty() {
                out.push((
                    digits.parse().unwrap_or(u64::MAX),
                    std::mem::take(&mut text),
                ));
                digits.clear();
            }
            text.push(ch);
        }
    }
    out.push((digits.parse().unwrap_or(0), text));
    out
}

/// Every machine of `dir`.
pub fn load_all(dir: &Path) -> Result<Vec<Machine>> {
    Machine::names(dir)?
        .iter()
        .map(|n| Machine::load(dir, n))
        .collect()
}
