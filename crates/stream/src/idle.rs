//! An owned partition whose input reads nothing: that input's event-time
//! clock moves on with the wall clock from its newest event time, so a
//! service that stopped is found silent even when nothing else of that
//! kind shares the partition. An input never read since the partition was
//! taken on starts from the other input's clock (the scorer judges
//! silence only once every input it reads has a clock). Only with
//! [`crate::ScoreOptions::idle_advance`] (a replay as fast as the broker
//! takes it turns it off: a paused feeder is no silent fleet).

use std::time::Duration;

use forewarn_scorer::Input;

use crate::worker::Worker;

/// Wall time without a record after which an input counts as idle.
pub(crate) const IDLE_PARTITION: Duration = Duration::from_secs(5);

impl Worker {
    /// Move the clock of every idle input of every owned partition on.
    pub(crate) fn advance_idle_inputs(&mut self) {
        if !self.opts.idle_advance {
            return;
        }
        for part in self.parts.values_mut() {
            for input in [Input::Metrics, Input::Logs] {
                let from = match part.read_at[input as usize] {
                    Some((read, newest)) => {
                        (read.elapsed() >= IDLE_PARTITION).then_some((read, newest))
                    }
                    None if part.taken_at.elapsed() >= IDLE_PARTITION => {
                        part.read_at[1 - input as usize]
                    }
                    None => None,
                };
                if let Some((read, newest)) = from {
                    let now = newest + read.elapsed().as_millis() as i64;
                    part.scorer.advance_to(input, now, &mut self.out);
                    part.dirty |= !self.out.is_empty();
                }
            }
        }
    }
}
