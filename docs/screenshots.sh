#!/usr/bin/env bash
# Regenerates docs/dashboard-operator.png and docs/dashboard-status.png:
# runs `forewarn demo --duration 2h --dashboard` (embedded broker,
# simulated fleet, scorer, shadow remediator), waits until the demo has
# finished and the dashboard keeps serving its last state, then has
# headless chromium (Debian package `chromium`) screenshot both pages.
# Run from the repository root: docs/screenshots.sh [path/to/forewarn]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/debug/forewarn}"
addr="127.0.0.1:${PORT:-18080}"
log="$(mktemp)"
"$bin" demo --duration 2h --dashboard "$addr" --quiet >/dev/null 2>"$log" &
demo=$!
trap 'kill -INT $demo 2>/dev/null; wait $demo 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 300); do
  grep -q "still serving" "$log" && break
  sleep 1
done
grep -q "still serving" "$log" || { cat "$log" >&2; exit 1; }
shoot() { # url file height
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --timeout=4000 --window-size="1400,$3" \
    --screenshot="$2" "$1" 2>/dev/null
}
shoot "http://$addr/?theme=dark" docs/dashboard-operator.png 1200
shoot "http://$addr/status?theme=light" docs/dashboard-status.png 900
ls -l docs/dashboard-*.png
