//! Writes the seed corpora of [`forewarn_fuzz::seeds`] under
//! `crates/fuzz/corpus/<target>/` (or the directory given), printing what
//! it wrote.

fn main() {
    let root = std::env::args().nth(1).map_or_else(
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
