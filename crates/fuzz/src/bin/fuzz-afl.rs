//! The afl++ binary: `fuzz-afl TARGET` runs target `TARGET` (a name of
//! [`forewarn_fuzz::TARGETS`]) in afl++'s persistent mode; a panic aborts,
//! which afl++ records as a crash. Built with afl++'s instrumentation by
//! `crates/fuzz/run.sh` (feature `afl`).

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(harness) = forewarn_fuzz::harness(&name) else {
        let names: Vec<&str> = forewarn_fuzz::TARGETS.iter().map(|(n, _)| *n).collect();
        eprintln!("usage: fuzz-afl TARGET (one of: {})", names.join(", "));
        std::process::exit(2);
    };
    // afl's panic hook makes every panic a crash, even a caught one,
    // except where catching is the design (see CATCHES_PANICS): there only
    // an uncaught panic aborts.
    let hook = !forewarn_fuzz::CATCHES_PANICS.contains(&name.as_str());
    afl::fuzz(hook, harness);
}
