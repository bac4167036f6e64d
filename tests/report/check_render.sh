#!/bin/sh
# check_render.sh RENDER_REPORT SAMPLE_JSON WORK_DIR
#
# Renders SAMPLE_JSON with the render_report driver and loads the page in
# headless Chromium (--dump-dom and --screenshot, each bounded by a
# timeout); checks that the browser's DOM holds the summary table, the
# timeline SVGs with their curves and markers, and that the screenshot was
# written. Exits 77 (ctest's SKIP_RETURN_CODE) when chromium is not
# installed, 1 on failure.
set -u
driver=$1
sample=$2
work=$3

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "chromium not installed: skipped"
  exit 77
fi
command -v timeout >/dev/null 2>&1 || { echo "no timeout(1)"; exit 1; }

rm -rf "$work"
mkdir -p "$work/profile" || exit 1
page="$work/report.html"
"$driver" "$sample" "$page" || { echo "render_report failed"; exit 1; }

flags="--headless --no-sandbox --disable-gpu --disable-extensions
  --no-first-run --disable-background-networking --disable-sync
  --user-data-dir=$work/profile"
# shellcheck disable=SC2086
HOME="$work" timeout -k 5 60 "$browser" $flags --dump-dom "file://$page" \
  >"$work/dom.html" 2>"$work/chromium.log"
rc=$?
if [ $rc -ne 0 ]; then
  echo "chromium --dump-dom failed with $rc"; tail -20 "$work/chromium.log"
  exit 1
fi

fail=0
need() {
  if ! grep -q -- "$1" "$work/dom.html"; then
    echo "DOM lacks: $1"
    fail=1
  fi
}
need '<table id="summary">'
need 'with Remedy'
need 'without Remedy'
need '<svg class="timeline" id="timeline-with"'
need '<svg class="timeline" id="timeline-without"'
need '<polyline class="avail"'
need '<polyline class="p99"'
need 'class="marker fault"'
need 'class="marker healing"'
need '<table id="goals">'
if grep -q -i '<script' "$work/dom.html"; then
  echo "DOM has a script"
  fail=1
fi
# The DOM Chromium built must keep every marker the page has (a malformed
# page would lose elements when the parser recovers).
page_markers=$(grep -o 'class="marker ' "$page" | wc -l)
dom_markers=$(grep -o 'class="marker ' "$work/dom.html" | wc -l)
if [ "$page_markers" -ne "$dom_markers" ] || [ "$page_markers" -eq 0 ]; then
  echo "markers: $page_markers in the page, $dom_markers in the DOM"
  fail=1
fi

# shellcheck disable=SC2086
HOME="$work" timeout -k 5 60 "$browser" $flags --hide-scrollbars \
  --window-size=1100,2400 --screenshot="$work/report.png" "file://$page" \
  >>"$work/chromium.log" 2>&1
if [ ! -s "$work/report.png" ]; then
  echo "no screenshot written"; tail -20 "$work/chromium.log"
  fail=1
fi

if [ $fail -ne 0 ]; then
  exit 1
fi
echo "chromium rendered $page: summary table, 2 timelines," \
  "$dom_markers markers; screenshot $work/report.png"
exit 0
