#!/usr/bin/env bash
# The RUSTC_WRAPPER of `run.sh build`: adds afl++'s coverage instrumentation
# ($FOREWARN_SANCOV_FLAGS) to the crates that read outside bytes (every
# forewarn crate, and the JSON, YAML and Arrow IPC decoders they call), and
# to nothing else. Instrumenting the whole tree gave afl++ a map of 672,808
# edges to clear and compare after every execution, which capped every
# target at 3-7 thousand executions a second whatever its harness did;
# coverage of polars, tokio or rdkafka guides nothing here.
rustc="$1"
shift
name=""
prev=""
for a in "$@"; do
  [ "$prev" = "--crate-name" ] && name="$a"
  prev="$a"
done
case "$name" in
  forewarn_* | serde_json | serde_norway | unsafe_libyaml_norway | arrow_ipc | \
    arrow_buffer | arrow_data | arrow_array | arrow_schema | flatbuffers)
    # shellcheck disable=SC2086 # the flags are words
    exec "$rustc" "$@" $FOREWARN_SANCOV_FLAGS
    ;;
  *) exec "$rustc" "$@" ;;
esac
