#!/usr/bin/env bash
# Set up drummachine (first run only) and start it: the window when there is a display, else a headless
# `drummachine generate` that writes groove.mid here.
set -euo pipefail
cd "$(dirname "$0")/.."
extra=()
[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && extra=(--window)
[ -x .venv/bin/drummachine ] && .venv/bin/python -c "import onnxruntime" 2>/dev/null || scripts/setup.sh "${extra[@]}"
exec .venv/bin/drummachine "$@"
