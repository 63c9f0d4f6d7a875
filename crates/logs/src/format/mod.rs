//! Loghub-style log formats: [`LogFormat`] splits a raw line into header
//! fields and the message (`<Content>`). Formats whose literal parts are
//! plain text run through a hand-written backtracking matcher (module `fast`);
//! the compiled regex handles the rest and is the fallback when the matcher
//! gives up.

mod fast;
mod log_format;

pub use log_format::LogFormat;
