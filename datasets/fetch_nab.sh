#!/usr/bin/env bash
# Fetch the Numenta Anomaly Benchmark (NAB) corpus from its public GitHub
# repository: data, labels and scoring config, at a pinned commit (the
# snapshot Forewarn's tests use from ../shared/datasets/nab).
#
# Usage: datasets/fetch_nab.sh [DEST]        (default DEST: datasets/nab)
#
# Needs curl (or wget) and tar. Downloads about 20 MB. NAB is MIT-licensed
# at this commit ("Copyright 2014-2024 Numenta Inc.", see DEST/LICENSE.txt).
# Add --with-results to also copy the published detector results (~60 MB).
set -euo pipefail

COMMIT="ea702d75cc2258d9d7dd35ca8e5e2539d71f3140"
URL="https://github.com/numenta/NAB/archive/${COMMIT}.tar.gz"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST="${HERE}/nab"
WITH_RESULTS=0
for arg in "$@"; do
  case "$arg" in
    --with-results) WITH_RESULTS=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) DEST="$arg" ;;
  esac
done

if [ -e "$DEST/labels/combined_windows.json" ]; then
  echo "NAB already present in $DEST; remove it to fetch again." >&2
  exit 0
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "Downloading NAB at ${COMMIT:0:12} from github.com/numenta/NAB ..." >&2
if command -v curl >/dev/null 2>&1; then
  curl -fsSL --retry 3 -o "$TMP/nab.tar.gz" "$URL"
elif command -v wget >/dev/null 2>&1; then
  wget -q -O "$TMP/nab.tar.gz" "$URL"
else
  echo "error: need curl or wget" >&2
  exit 1
fi

tar -xzf "$TMP/nab.tar.gz" -C "$TMP"
SRC="$TMP/NAB-${COMMIT}"
mkdir -p "$DEST"
cp -R "$SRC/data" "$SRC/labels" "$SRC/config" "$DEST/"
cp "$SRC/LICENSE.txt" "$SRC/README.md" "$DEST/" 2>/dev/null || true
rm -f "$DEST/data/README.md"
if [ "$WITH_RESULTS" = 1 ]; then
  cp -R "$SRC/results" "$DEST/"
fi

n=$(find "$DEST/data" -name '*.csv' | wc -l | tr -d ' ')
if [ "$n" != 58 ]; then
  echo "error: expected 58 data files, found $n" >&2
  exit 1
fi
echo "NAB ready in $DEST: $n data files, labels in $DEST/labels/combined_windows.json." >&2
