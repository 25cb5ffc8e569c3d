"""WAV files: 16-bit PCM (what every tool opens) or 32-bit float (no rounding, no clipping), written whole
or not at all."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Union

import numpy as np

from drummachine.safe_files import atomic_write

FORMATS = ("int16", "float32")
_PCM, _IEEE_FLOAT = 1, 3


class WavWriteError(Exception):
    """The WAV file could not be written; the message names the path and why."""


def wav_bytes(audio: np.ndarray, rate: int, sample_format: str = "int16") -> bytes:
    """A RIFF/WAVE file holding `audio` (frames x channels, -1..1) at `rate` Hz."""
    if sample_format not in FORMATS:
        raise ValueError(f"a WAV sample format is one of {', '.join(FORMATS)}, not {sample_format!r}")
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float32).T).T
    frames, channels = audio.shape
    if sample_format == "int16":
        data = (np.clip(audio, -1.0, 1.0) * 32767).round().astype("<i2").tobytes()
        tag, width, extra = _PCM, 2, b""
    else:
        data = audio.astype("<f4").tobytes()
        tag, width = _IEEE_FLOAT, 4
        extra = b"fact" + struct.pack("<II", 4, frames)  # non-PCM data carries its frame count
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * channels * width, channels * width, 8 * width)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def write_wav(path: Union[str, Path], audio: np.ndarray, rate: int, sample_format: str = "int16") -> Path:
    """Write `audio` to `path` atomically (a temporary file, then a rename)."""
    path = Path(path)
    data = wav_bytes(audio, rate, sample_format)
    if not path.parent.is_dir():
        raise WavWriteError(f"cannot write {path}: the folder {path.parent} does not exist")
    try:
        return atomic_write(path, lambda fh: fh.write(data))
    except OSError as exc:
        raise WavWriteError(f"cannot write {path}: {exc.strerror or exc}") from exc
