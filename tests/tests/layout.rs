//! The codebase's shape, checked so it stays readable: every source file
//! of a library or the binary stays under 500 lines; only `forewarn-kafka`
//! talks to rdkafka; no public function returns `Result<_, String>`; and
//! the files of a crate import each other one way only (no cycle such as
//! `worker → checkpoint → publish → metrics → worker`).
//!
//! Imports are read from the source text: `use` paths (braces expanded)
//! and paths written inline (`crate::a::B`, `super::x`), resolved to the
//! file that defines the module. A facade's `pub use` re-exports are not
//! dependencies (they only name what lives below), and `#[cfg(test)]`
//! modules are left out (a file's own tests may look at anything).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 500;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `crates/NAME/src` of every crate.
fn crate_srcs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .expect("crates/")
        .flatten()
        .map(|e| e.path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// The text with comments, string and char literals blanked (newlines
/// kept), so paths and braces are only those of code.
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                if b[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('#') || next == Some('"')) && !prev_ident(&b, i) {
            // Raw string r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while j < b.len() && b[j] == '#' {
                hashes += 1;
                j += 1;
            }
            if j < b.len() && b[j] == '"' {
                j += 1;
                'raw: while j < b.len() {
                    if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break 'raw;
                    }
                    if b[j] == '\n' {
                        out.push('\n');
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            } else {
                out.push(c);
                i += 1;
            }
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                if i < b.len() && b[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            let close = if next == Some('\\') {
                (i + 2..b.len().min(i + 12)).find(|&j| b[j] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(j) => {
                    out.push_str("' '");
                    i = j + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_ident(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

/// Code outside `#[cfg(test)]` items.
fn without_tests(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // Skip to the item's end: its block, or its `;`.
        let (brace, semi) = (after.find('{'), after.find(';'));
        let end = match (brace, semi) {
            (Some(b), Some(s)) if s < b => s + 1,
            (Some(b), _) => {
                let mut depth = 0usize;
                let mut end = after.len();
                for (k, ch) in after[b..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, Some(s)) => s + 1,
            (None, None) => after.len(),
        };
        out.extend(after[..end].chars().filter(|c| *c == '\n'));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The module path of a file under `src` (`lib.rs` → [], `a/mod.rs` and
/// `a.rs` → [a], `a/b.rs` → [a, b]).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Expand `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (k, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .flat_map(|s| expand(s).into_iter().map(move |e| format!("{prefix}{e}")))
        .collect()
}

/// Every crate-internal path the code refers to, as module segments
/// relative to the crate root, with whether it came from a `pub use`.
fn references(code: &str, module: &[String]) -> Vec<(Vec<String>, bool)> {
    let mut out = Vec::new();
    let flat: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
    // `use` statements (braces expanded).
    let mut rest = flat.as_str();
    while let Some(at) = rest.find("use ") {
        let before = &rest[..at];
        let is_word_start = before
            .chars()
            .last()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_');
        let after = &rest[at + 4..];
        let Some(end) = after.find(';') else { break };
        if is_word_start {
            let public = before.trim_end().ends_with("pub") || before.trim_end().ends_with(')');
            for p in expand(&after[..end]) {
                let p = p.split(" as ").next().unwrap_or("").replace(' ', "");
                if let Some(r) = resolve(&p, module) {
                    out.push((r, public));
                }
            }
        }
        rest = &after[end..];
    }
    // Paths written inline.
    let bytes: Vec<char> = flat.chars().collect();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = flat[from..].find(start) {
            let at = from + at;
            from = at + start.len();
            if at > 0 && {
                let c = bytes[flat[..at].chars().count() - 1];
                c.is_alphanumeric() || c == '_' || c == ':'
            } {
                continue;
            }
            let path: String = flat[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            if let Some(r) = resolve(&path, module) {
                out.push((r, false));
            }
        }
    }
    out
}

/// Resolve `crate::a::b`, `super::x`, `self::y` against `module`.
fn resolve(path: &str, module: &[String]) -> Option<Vec<String>> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Vec<String> = match segs.first()? {
        &"crate" => Vec::new(),
        &"super" | &"self" => module.to_vec(),
        _ => return None,
    };
    let mut i = if segs[0] == "crate" { 1 } else { 0 };
    while i < segs.len() && (segs[i] == "super" || segs[i] == "self") {
        if segs[i] == "super" {
            base.pop()?;
        }
        i += 1;
    }
    base.extend(segs[i..].iter().map(|s| s.to_string()));
    Some(base)
}

/// Files of one crate and the files each imports from.
fn import_graph(src: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| (module_of(src, f), f.clone()))
        .collect();
    let mut graph = BTreeMap::new();
    for f in &files {
        let module = module_of(src, f);
        let text = std::fs::read_to_string(f).unwrap();
        let code = without_tests(&code_only(&text));
        let mut deps = BTreeSet::new();
        for (path, public) in references(&code, &module) {
            // The deepest module file on the path.
            let target = (0..=path.len())
                .rev()
                .find_map(|n| modules.get(&path[..n]))
                .cloned();
            let Some(t) = target else { continue };
            if t == *f {
                continue;
            }
            // A facade's `pub use` of a module below it only re-exports.
            let below = module_of(src, &t).starts_with(&module);
            if public && below {
                continue;
            }
            deps.insert(t);
        }
        graph.insert(f.clone(), deps);
    }
    graph
}

/// One cycle of the graph, if there is any (depth-first search).
fn find_cycle(graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Option<Vec<PathBuf>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        n: &PathBuf,
        g: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        marks: &mut BTreeMap<PathBuf, Mark>,
        stack: &mut Vec<PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        marks.insert(n.clone(), Mark::Open);
        stack.push(n.clone());
        for d in g.get(n).into_iter().flatten() {
            match marks.get(d).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let at = stack.iter().position(|x| x == d).unwrap();
                    let mut c = stack[at..].to_vec();
                    c.push(d.clone());
                    return Some(c);
                }
                Mark::New => {
                    if let Some(c) = visit(d, g, marks, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks.insert(n.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for n in graph.keys() {
        if marks.get(n).copied().unwrap_or(Mark::New) == Mark::New {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, graph, &mut marks, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

fn shown(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap_or(p)
        .display()
        .to_string()
        .trim_start_matches("../")
        .to_string()
}

/// Signatures of functions visible across a crate or outside it: `pub
/// fn`, `pub(crate) fn`, and the methods of `pub trait`s.
fn public_signatures(flat: &str) -> Vec<&str> {
    let sig_at = |at: usize| {
        let sig = &flat[at..];
        let end = sig
            .find('{')
            .unwrap_or(sig.len())
            .min(sig.find(';').unwrap_or(sig.len()));
        &sig[..end]
    };
    let mut out = Vec::new();
    for prefix in ["pub fn ", "pub(crate) fn "] {
        out.extend(flat.match_indices(prefix).map(|(at, _)| sig_at(at)));
    }
    for (at, _) in flat.match_indices("pub trait ") {
        let Some(open) = flat[at..].find('{').map(|o| at + o) else {
            continue;
        };
        let mut depth = 0usize;
        let mut close = flat.len();
        for (k, ch) in flat[open..].char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = open + k;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.extend(
            flat[open..close]
                .match_indices("fn ")
                .map(|(k, _)| sig_at(open + k)),
        );
    }
    out
}

#[test]
fn no_source_file_is_over_500_lines() {
    let mut long = Vec::new();
    for src in crate_srcs() {
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        for f in files {
            let n = std::fs::read_to_string(&f).unwrap().lines().count();
            if n > MAX_LINES {
                long.push(format!("{} ({n} lines)", shown(&f)));
            }
        }
    }
    assert!(
        long.is_empty(),
        "split these files (at most {MAX_LINES} lines each):\n{}",
        long.join("\n")
    );
}

#[test]
fn only_the_kafka_crate_imports_rdkafka() {
    let mut offenders = Vec::new();
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    rust_files(&root().join("tests"), &mut files);
    for f in files {
        if f.starts_with(root().join("crates/kafka")) {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(&f).unwrap());
        if code.contains("rdkafka::") || code.contains("use rdkafka") {
            offenders.push(shown(&f));
        }
    }
    assert!(
        offenders.is_empty(),
        "these files use rdkafka directly; go through forewarn-kafka:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn no_public_function_returns_a_string_error() {
    let mut offenders = Vec::new();
    for src in crate_srcs() {
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        for f in files {
            let code = code_only(&std::fs::read_to_string(&f).unwrap());
            let flat: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
            for sig in public_signatures(&flat) {
                let ret = sig.rsplit_once("->").map_or("", |(_, r)| r);
                let compact = ret.replace(' ', "");
                if compact.contains(",String>") && compact.contains("Result<") {
                    offenders.push(format!("{}: {}", shown(&f), sig.trim()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "give these an error type whose variants name the stage:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_files_of_a_crate_import_each_other_one_way() {
    let mut cycles = Vec::new();
    for src in crate_srcs() {
        let graph = import_graph(&src);
        if let Some(c) = find_cycle(&graph) {
            cycles.push(c.iter().map(|p| shown(p)).collect::<Vec<_>>().join(" → "));
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles between files:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_cycle_check_sees_a_cycle() {
    // The check itself: two files that use each other form a cycle, a
    // facade's re-export does not.
    let dir = std::env::temp_dir().join(format!("forewarn-layout-{}", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\npub use a::A;\n").unwrap();
    std::fs::write(
        src.join("a.rs"),
        "use crate::b::B; // crate::c in a comment\npub struct A(B);\n",
    )
    .unwrap();
    std::fs::write(
        src.join("b.rs"),
        "pub struct B;\nfn f() -> Option<super::a::A> { None }\n#[cfg(test)]\nmod tests { use crate::a::A; }\n",
    )
    .unwrap();
    let g = import_graph(&src);
    let cycle = find_cycle(&g).expect("a ↔ b is a cycle");
    assert_eq!(cycle.len(), 3, "{cycle:?}");
    // Without b's inline path to a, there is none (the test module and the
    // facade's re-export do not count).
    std::fs::write(
        src.join("b.rs"),
        "pub struct B;\n#[cfg(test)]\nmod tests { use crate::a::A; }\n",
    )
    .unwrap();
    assert_eq!(find_cycle(&import_graph(&src)), None);
    let _ = std::fs::remove_dir_all(&dir);
}
