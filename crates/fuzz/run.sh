#!/usr/bin/env bash
# Coverage-guided fuzzing of Forewarn's decoders with afl++ (Debian's
# `afl++` package) on the stable toolchain: no cargo-afl, no nightly. The
# harnesses are crates/fuzz/src (one function per target); this builds them
# with afl++'s instrumentation (LLVM SanitizerCoverage, the flags cargo-afl
# uses, linked to afl++'s own afl-compiler-rt.o) and runs afl-fuzz.
#
#   crates/fuzz/run.sh build                     # the instrumented binary
#   crates/fuzz/run.sh list                      # the targets
#   crates/fuzz/run.sh TARGET [-n EXECS] [-s SECONDS] [-o DIR]
#   crates/fuzz/run.sh smoke [SECONDS]           # every target, SECONDS each (default 5)
#
# A run stops after EXECS executions or SECONDS seconds, whichever comes
# first (default: 10 million executions); findings go to DIR/TARGET
# (default $HOME/.cache/forewarn/fuzz-runs). Exit status 1 when afl-fuzz
# saved a crash or a hang; the figures are in DIR/TARGET/default/fuzzer_stats.
# Limits per execution: 512 MB of memory (-m; a decoder that allocates far
# beyond its input aborts, a crash) and 1 s (-t; more is a hang).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

rt="${AFL_COMPILER_RT:-/usr/lib/afl/afl-compiler-rt.o}"
target_dir="${FOREWARN_FUZZ_TARGET_DIR:-$HOME/.cache/forewarn/fuzz-target}"
triple="$(rustc -vV | sed -n 's/^host: //p')"
bin="${FOREWARN_FUZZ_BIN:-$target_dir/$triple/release/fuzz-afl}"
out_root="$HOME/.cache/forewarn/fuzz-runs"

need_afl() {
  if ! command -v afl-fuzz >/dev/null || [ ! -f "$rt" ]; then
    echo "error: afl++ is not installed (apt-get install afl++)" >&2
    exit 2
  fi
}

build() {
  need_afl
  # The flags of cargo-afl 0.18: coverage guards and comparison hooks
  # (only on the crates rustc-sancov.sh names: a smaller map, faster
  # executions), debug assertions and overflow checks on everywhere (a
  # wrapped length is a bug here). `--target` keeps them off build
  # scripts and proc macros.
  local sancov="-C passes=sancov-module -C llvm-args=-sanitizer-coverage-level=3 \
-C llvm-args=-sanitizer-coverage-trace-pc-guard \
-C llvm-args=-sanitizer-coverage-prune-blocks=0 \
-C llvm-args=-sanitizer-coverage-trace-compares"
  local flags="-C debug-assertions -C overflow-checks -C opt-level=3 \
--cfg fuzzing -C link-arg=$rt"
  (cd "$root" && RUSTFLAGS="$flags" CARGO_TARGET_DIR="$target_dir" \
    RUSTC_WRAPPER="$here/rustc-sancov.sh" FOREWARN_SANCOV_FLAGS="$sancov" \
    cargo build --release --locked -p forewarn-fuzz --features afl --bin fuzz-afl \
    --target "$triple")
}

targets() {
  sed -n 's/^    ("\([a-z_]*\)", .*/\1/p' "$here/src/lib.rs"
}

# fuzz TARGET EXECS SECONDS OUT_DIR
fuzz() {
  local t="$1" execs="$2" secs="$3" out="$4"
  [ -d "$here/corpus/$t" ] || { echo "error: no target $t (see: run.sh list)" >&2; exit 2; }
  rm -rf "${out:?}/$t"
  mkdir -p "$out"
  local limit=()
  [ -n "$execs" ] && limit+=(-E "$execs")
  [ -n "$secs" ] && limit+=(-V "$secs")
  AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
    AFL_NO_AFFINITY=1 AFL_SKIP_CRASHES=0 AFL_FAST_CAL=1 \
    afl-fuzz -i "$here/corpus/$t" -o "$out/$t" -m 512 -t 1000 "${limit[@]}" \
    -- "$bin" "$t" >"$out/$t.log" 2>&1 || {
      echo "error: afl-fuzz failed on $t; last lines of $out/$t.log:" >&2
      tail -20 "$out/$t.log" >&2
      return 1
    }
  local stats="$out/$t/default/fuzzer_stats"
  local crashes hangs
  crashes="$(sed -n 's/^saved_crashes *: //p' "$stats")"
  hangs="$(sed -n 's/^saved_hangs *: //p' "$stats")"
  printf '%-16s execs %-10s execs/s %-8s crashes %s hangs %s\n' "$t" \
    "$(sed -n 's/^execs_done *: //p' "$stats")" \
    "$(sed -n 's/^execs_per_sec *: //p' "$stats")" "$crashes" "$hangs"
  [ "$crashes" = 0 ] && [ "$hangs" = 0 ]
}

cmd="${1:-}"
case "$cmd" in
  build) build ;;
  list) targets ;;
  smoke)
    secs="${2:-5}"
    build
    status=0
    for t in $(targets); do
      fuzz "$t" "" "$secs" "${FOREWARN_FUZZ_OUT:-$out_root/smoke}" || status=1
    done
    exit "$status"
    ;;
  "" | -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  *)
    shift
    execs="" secs="" out="$out_root"
    while [ $# -gt 0 ]; do
      case "$1" in
        -n) execs="$2"; shift 2 ;;
        -s) secs="$2"; shift 2 ;;
        -o) out="$2"; shift 2 ;;
        *) echo "error: unknown option $1" >&2; exit 2 ;;
      esac
    done
    [ -z "$execs" ] && [ -z "$secs" ] && execs=10000000
    [ -x "$bin" ] || build
    fuzz "$cmd" "$execs" "$secs" "$out"
    ;;
esac
