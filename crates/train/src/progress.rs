//! The progress bar on stderr: one bar whose message and length follow the
//! stage (reading, folding, fitting). Hidden when not asked for or when
//! stderr is not a terminal, so logs and CI output stay clean.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A stage-by-stage progress bar.
#[derive(Debug)]
pub(crate) struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar drawn on stderr when `enabled` and stderr is a terminal.
    pub(crate) fn new(enabled: bool) -> Self {
        let bar = if enabled && std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{msg:>24} [{bar:30}] {pos}/{len} ({elapsed})")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        Self { bar }
    }

    /// Start a stage of `len` steps.
    pub(crate) fn stage(&self, message: &'static str, len: u64) {
        self.bar.set_message(message);
        self.bar.set_length(len);
        self.bar.set_position(0);
    }

    /// One step done (callable from any thread).
    pub(crate) fn step(&self) {
        self.bar.inc(1);
    }

    /// Remove the bar.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
