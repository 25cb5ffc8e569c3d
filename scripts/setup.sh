#!/usr/bin/env bash
# Set up drummachine on a fresh Debian/Ubuntu machine (as root, or with sudo) in ./.venv.
#   scripts/setup.sh            the app: runtime + onnxruntime (CPU)
#   scripts/setup.sh --test     + training and test tools, the JACK MIDI server the port tests use, the X
#                               server, libraries and xdotool the window soak test drives the real window with
#                               (x11-utils: xprop, with which the window size test reads its size hints),
#                               and what building python-rtmidi needs (no wheel for Python 3.13) for the
#                               wheel smoke test on the other Pythons; the `link` extra (Ableton Link, GPL)
#                               and iproute2/util-linux, with which its tests run peers in a private network
#                               namespace
#   scripts/setup.sh --gpu      onnxruntime-gpu instead of onnxruntime
#   scripts/setup.sh --window   + the X libraries a real window needs under Xvfb (screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."

extras="cpu"
apt_pkgs=()
x_pkgs=(xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxkbcommon-x11-0 libxcb-xinerama0 libxcb-cursor0 libegl1 libgl1 libfontconfig1 libdbus-1-3)
for arg in "$@"; do
  case "$arg" in
    --test) extras="$extras,train,dev,link"
            apt_pkgs+=(jackd2 "${x_pkgs[@]}" xdotool x11-utils g++ pkg-config libasound2-dev libjack-jackd2-dev iproute2 util-linux) ;;
    --gpu) extras="${extras/cpu/gpu}" ;;
    --window) apt_pkgs+=("${x_pkgs[@]}") ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done
# Qt's xcb-independent libraries, needed even offscreen on a minimal image
apt_pkgs+=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libglib2.0-0)
apt_pkgs+=(libportaudio2)  # the built-in sound: sounddevice plays through PortAudio
# python-rtmidi has no wheel for Python 3.13 (yet): pip builds it there, with a compiler and the MIDI headers
PY_MINOR=$("${PYTHON:-python3}" -c 'import sys; print(sys.version_info[1])' 2>/dev/null || echo 0)
[ "$PY_MINOR" -ge 13 ] && apt_pkgs+=(g++ pkg-config libasound2-dev libjack-jackd2-dev)

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[$extras]"
echo "drummachine is set up in .venv (extras: $extras)"
