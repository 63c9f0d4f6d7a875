//! Writes the seed corpora of [`forewarn_fuzz::seeds`] under
//! `crates/fuzz/corpus/<target>/` (or the directory given), printing what
//! it wrote.

const USAGE: &str = "usage: fuzz-seeds [DIR]   (default: crates/fuzz/corpus)";

fn main() {
    let arg = std::env::args().nth(1);
    // An option is never a directory: `--help` wrote a corpus named so.
    if let Some(a) = arg.as_deref().filter(|a| a.starts_with('-')) {
        let help = matches!(a, "-h" | "--help");
        if help {
            println!("{USAGE}");
        } else {
            eprintln!("unknown option {a}\n{USAGE}");
        }
        std::process::exit(if help { 0 } else { 2 });
    }
    let root = arg.map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"),
        std::path::PathBuf::from,
    );
    for (target, name, bytes) in forewarn_fuzz::seeds::seeds() {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).expect("a corpus directory");
        std::fs::write(dir.join(&name), &bytes).expect("a seed");
        println!("{target}/{name}: {} bytes", bytes.len());
    }
}
