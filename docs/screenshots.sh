#!/usr/bin/env bash
# Regenerate docs/report.png, docs/report-clauses.png and docs/mix.png (needs Debian's chromium and
# fonts-noto-cjk). Usage: bash docs/screenshots.sh   (from the repository root)
set -euo pipefail
out=$(mktemp -d); cn=$(mktemp -d)
python -m clausetag tag labels/seed -o "$out/" --no-progress --probs 3
cp labels/seed/000_d94976eb27b44e5c.txt "$cn/关于印发杭州市数字经济高质量发展三年行动计划（2024—2026年）的通知.txt"
cp labels/seed/001_7fe047341f9c9fa0.txt "$cn/关于印发杭州市数字经济高质量发展三年行动计划（2024—2026年）实施细则的通知.txt"
cp labels/seed/002_31a27fb9b77a598d.txt "$cn/plan_en.txt"
python -m clausetag tag "$cn" -o "$cn/out/" --no-progress
shot() {  # shot OUT.png HEIGHT URL
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --screenshot="$1" \
    --window-size=1400,"$2" "$3" 2>/dev/null
}
shot "$out/top.png" 1000 "file://$out/report.html"
shot "$out/tall.png" 6000 "file://$out/report.html#label=funding&min=0.5"
python - "$out" "$cn/out" <<'PY'
import sys
from PIL import Image
import numpy as np
out, cn = sys.argv[1:]
def save(im, p):
    im.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(p, optimize=True)
save(Image.open(f"{out}/top.png"), "docs/report.png")
tall = Image.open(f"{out}/tall.png")
rows = np.where((np.asarray(tall.convert("L")) < 250).any(1))[0]
save(tall.crop((0, max(0, rows[-1] - 760), 1400, rows[-1] + 10)), "docs/report-clauses.png")
save(Image.open(f"{cn}/mix.png"), "docs/mix.png")
PY
ls -la docs/*.png
