#!/usr/bin/env bash
# Renders a hens report in headless Chromium and fails if the page has errors or a plot is
# missing: every figure of report.json must be on the page with a drawn, visible SVG and a PNG
# that loads, and the page must not be blank in a screenshot.
#   scripts/check-report.sh REPORT_DIR [SCREENSHOT.png]
# Chromium as root needs --no-sandbox (CI runs as root).
set -euo pipefail
report=${1:?usage: scripts/check-report.sh REPORT_DIR [SCREENSHOT.png]}
[ -f "$report/index.html" ] && [ -f "$report/report.json" ] || { echo "check-report: $report: no index.html or report.json (expected the folder of hens report)"; exit 1; }
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$chrome" ] || { echo "check-report: chromium not found (Debian: apt-get install chromium, or make deps-test)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
screenshot=${2:-$work/screenshot.png}
abs=$(cd "$report" && pwd)
# The folder as a file:// URL path (characters that end or escape a URL percent-encoded).
url=$(printf '%s' "$abs" | sed -e 's/%/%25/g' -e 's/ /%20/g' -e 's/#/%23/g' -e 's/"/%22/g' -e 's/?/%3F/g')
flags=(--headless --disable-gpu --hide-scrollbars --no-first-run --no-default-browser-check --user-data-dir="$work/profile")
[ "$(id -u)" = 0 ] && flags+=(--no-sandbox)

# The checker page opens the report in an iframe (file:// pages may read each other with
# --allow-file-access-from-files), inspects the rendered DOM, and writes its verdict into its
# own DOM, which --dump-dom prints once the virtual-time budget lets the image loads finish.
{
  echo '<!DOCTYPE html><html><body><pre id="verdict">pending</pre>'
  echo "<iframe id=\"report\" src=\"file://$url/index.html\" style=\"width:1400px;height:3000px\"></iframe>"
  echo '<script>'
  echo "const manifest = $(cat "$report/report.json");"
  cat <<'JS'
const problems = [];
window.addEventListener('error', e => problems.push('script error: ' + e.message));
document.getElementById('report').addEventListener('load', async () => {
  const page = document.getElementById('report').contentDocument;
  if (!page || !page.body) { document.getElementById('verdict').textContent = 'FAIL cannot read the report page'; return; }
  const loads = [];
  for (const f of manifest.figures) {
    const figure = page.getElementById('fig-' + f.id);
    if (!figure) { problems.push(f.id + ': figure missing from the page'); continue; }
    const svg = figure.querySelector('svg');
    if (!svg) { problems.push(f.id + ': no inline SVG'); continue; }
    const box = svg.getBoundingClientRect();
    if (box.width < 200 || box.height < 100) problems.push(f.id + ': SVG drawn at ' + Math.round(box.width) + 'x' + Math.round(box.height) + ' px');
    // Data are drawn inside gnuplot's plot groups (fK-gnuplot_plot_N); legend samples there are
    // flat lines, so a plot has data only if some mark in them has both width and height.
    const drawn = [...svg.querySelectorAll('[id*="-gnuplot_plot_"] path, [id*="-gnuplot_plot_"] image, [id*="-gnuplot_plot_"] use')]
      .filter(e => { const b = e.getBoundingClientRect(); return b.width > 1 && b.height > 1; }).length;
    const labels = svg.querySelectorAll('text').length;
    if (drawn === 0) problems.push(f.id + ': no data drawn');
    if (labels < 4) problems.push(f.id + ': ' + labels + ' text labels (axes need labels)');
    const link = figure.querySelector('figcaption a[href$=".png"]');
    if (!link) { problems.push(f.id + ': no PNG link'); continue; }
    loads.push(new Promise(done => {
      const img = new Image();
      img.onload = () => { if (img.naturalWidth < 100) problems.push(f.id + ': PNG is ' + img.naturalWidth + ' px wide'); done(); };
      img.onerror = () => { problems.push(f.id + ': PNG ' + link.getAttribute('href') + ' does not load'); done(); };
      img.src = link.href;
    }));
  }
  for (const img of page.images) if (!img.complete || img.naturalWidth === 0) problems.push('broken image ' + img.src);
  if (page.querySelectorAll('script').length) problems.push('the report has scripts (it must need none)');
  if (manifest.figures.length === 0) problems.push('report.json lists no figures');
  await Promise.all(loads);
  document.getElementById('verdict').textContent =
    (problems.length ? 'FAIL ' : 'OK ') + manifest.figures.length + ' figures' + (problems.length ? '\n' + problems.join('\n') : '');
});
JS
  echo '</script></body></html>'
} > "$work/check.html"

timeout 180 "$chrome" "${flags[@]}" --allow-file-access-from-files --virtual-time-budget=20000 --dump-dom "file://$work/check.html" \
  > "$work/dom.html" 2> "$work/chromium.log" || true
verdict=$(perl -0ne 'print $1 if /<pre id="verdict">(.*?)<\/pre>/s' "$work/dom.html")
if [ -z "$verdict" ]; then echo "check-report: Chromium gave no verdict"; tail -5 "$work/chromium.log"; exit 1; fi
echo "$verdict" | sed 's/^/check-report: /'
case "$verdict" in OK*) ;; *) exit 1 ;; esac

rm -f "$screenshot"
timeout 180 "$chrome" "${flags[@]}" --window-size=1400,4000 --screenshot="$screenshot" "file://$url/index.html" \
  > /dev/null 2>> "$work/chromium.log" || { echo "check-report: Chromium failed to take the screenshot"; tail -5 "$work/chromium.log"; exit 1; }
size=$(stat -c %s "$screenshot" 2>/dev/null || echo 0)
# A blank 1400×4000 page compresses to a few KB; a page of plots to hundreds.
[ "$size" -gt 50000 ] || { echo "check-report: screenshot $screenshot is $size bytes (blank page?)"; tail -5 "$work/chromium.log"; exit 1; }
echo "check-report: the page renders ($size-byte screenshot${2:+ in $2})"
