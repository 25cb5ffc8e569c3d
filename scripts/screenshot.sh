#!/usr/bin/env bash
# Render the window in a real X server (Xvfb) at a realistic size and save docs/screenshot.png (the main view)
# with docs/screenshot_knobs.png and docs/screenshot_pad.png beside it (see drummachine/gui/screenshot.py).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --window
exec xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb .venv/bin/python -m drummachine.gui.screenshot \
  "${1:-docs/screenshot.png}" ${MODEL:+--model "$MODEL"}
