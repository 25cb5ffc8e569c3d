#!/usr/bin/env bash
# Set up everything the tests need (Python packages, the JACK server for real MIDI ports) and run them all.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
