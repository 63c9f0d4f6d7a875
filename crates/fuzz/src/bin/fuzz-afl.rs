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
    // afl's panic hook makes every panic a crash, even a caught one.
    afl::fuzz(true, harness);
}
