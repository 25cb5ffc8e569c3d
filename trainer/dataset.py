"""Build the training data: MIDI folder -> windows per split -> one .npz per window length + summary.json.

Also loads those files back for training and evaluation.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Iterable, Optional

import numpy as np
from tqdm import tqdm

from drummachine.safe_files import atomic_write
from drummachine.midi.reader import DrumFile, MidiReadError, read_drum_midi
from drummachine.groove.pattern import Pattern
from drummachine.groove.vocabulary import CLASS_NAMES, NUM_TOKENS, token_name, tokens_with_class
from trainer.splits import SPLITS, assign_split, read_listed_splits, read_listed_styles
from trainer.windows import WINDOW_BARS, max_empty_bars, stack, windows

MIDI_SUFFIXES = (".mid", ".midi", ".smf", ".kar")
FORMAT_VERSION = 2  # 2: per-hit offsets, and each file's tempo, style and beat/fill


@dataclass(frozen=True)
class DatasetConfig:
    test_fraction: float = 0.1
    valid_fraction: float = 0.1  # used only where the data lists no split of its own
    window_bars: tuple[int, ...] = WINDOW_BARS
    hop_bars: int = 1
    workers: int = 0  # 0: one per core


@dataclass
class WindowSet:
    """The windows of one split and one length, as stored."""

    tokens: np.ndarray  # (N, steps) int16
    velocities: np.ndarray  # (N, steps, 9) uint8
    file_index: np.ndarray  # (N,) int32 into `files`
    files: list[str]
    bars: int
    offsets: Optional[np.ndarray] = None  # (N, steps, 9) float16, steps off the grid; None in a format-1 dataset
    file_bpm: Optional[np.ndarray] = None  # (files,) the tempo each file starts at
    file_style: Optional[list[str]] = None  # (files,) GMD's style ("funk/purdieshuffle"), "" when unlisted
    file_kind: Optional[list[str]] = None  # (files,) "beat" or "fill", "" when unlisted

    @property
    def bpm(self) -> Optional[np.ndarray]:
        """The tempo of each window's file (N,)."""
        return None if self.file_bpm is None else self.file_bpm[self.file_index]

    def __len__(self) -> int:
        return int(self.tokens.shape[0])


@dataclass
class _SplitWindows:
    patterns: list[Pattern] = field(default_factory=list)
    file_index: list[int] = field(default_factory=list)
    seen: set[bytes] = field(default_factory=set)
    dropped_empty: int = 0
    duplicates: int = 0


def find_midi_files(root: Path) -> list[Path]:
    """Every MIDI file below `root`, in a stable order."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in MIDI_SUFFIXES)


def _read_one(args: tuple[str, str]) -> tuple[str, Optional[DrumFile], Optional[str], Optional[str]]:
    path, relpath = args
    try:
        return relpath, read_drum_midi(path), None, None
    except MidiReadError as exc:
        return relpath, None, exc.reason, str(exc)


def read_folder(root: Path, workers: int = 0, progress: bool = True) -> Iterable[tuple[str, Optional[DrumFile], Optional[str], Optional[str]]]:
    """(relpath, take or None, skip reason, message) for every MIDI file, read on all cores, in path order."""
    files = find_midi_files(root)
    jobs = [(str(p), p.relative_to(root).as_posix()) for p in files]
    workers = workers or os.cpu_count() or 1
    bar = tqdm(total=len(jobs), desc="reading MIDI", unit="file", disable=not progress, dynamic_ncols=True)
    results = []
    if workers == 1 or len(jobs) < 8:
        for job in jobs:
            results.append(_read_one(job))
            bar.update()
    else:
        with get_context("spawn").Pool(workers) as pool:
            for result in pool.imap(_read_one, jobs, chunksize=8):
                results.append(result)
                bar.update()
    bar.close()
    return results


def window_file(out: Path, bars: int) -> Path:
    return out / f"windows_{bars}bar.npz"


def build_dataset(midi_root: Path, out: Path, config: DatasetConfig = DatasetConfig(), progress: bool = True) -> dict:
    """Read every MIDI file under `midi_root` and write the window files and summary.json into `out`."""
    started = time.perf_counter()
    midi_root = Path(midi_root)
    if not midi_root.is_dir():
        raise FileNotFoundError(f"no such folder: {midi_root}")
    listed = read_listed_splits(midi_root)
    styles = read_listed_styles(midi_root)
    files: list[str] = []
    file_bpm: list[float] = []
    skipped: Counter[str] = Counter()
    skipped_examples: dict[str, list[str]] = {}
    bars_per_split: Counter[str] = Counter()
    files_per_split: Counter[str] = Counter()
    counts = Counter()
    token_hist = np.zeros(NUM_TOKENS, dtype=np.int64)
    per_length = {b: {s: _SplitWindows() for s in SPLITS} for b in config.window_bars}

    for relpath, take, reason, message in read_folder(midi_root, config.workers, progress):
        if take is None:
            skipped[reason] += 1
            skipped_examples.setdefault(reason, [])
            if len(skipped_examples[reason]) < 5:
                skipped_examples[reason].append(message)
            continue
        split = assign_split(relpath, listed.get(relpath), config.test_fraction, config.valid_fraction)
        index = len(files)
        files.append(relpath)
        file_bpm.append(take.bpm)
        files_per_split[split] += 1
        bars_per_split[split] += take.bar_count
        counts.update(
            onsets=take.onsets,
            merged_onsets=take.merged_onsets,
            unmapped_onsets=take.unmapped_onsets,
            outside_4_4_onsets=take.outside_4_4_onsets,
        )
        for span in take.spans:
            token_hist += np.bincount(span.tokens(), minlength=NUM_TOKENS)
            for bars, by_split in per_length.items():
                acc = by_split[split]
                for window, keep in windows(span, bars, config.hop_bars):
                    if not keep:
                        acc.dropped_empty += 1
                        continue
                    key = window.tokens().tobytes()
                    if key in acc.seen:
                        acc.duplicates += 1
                        continue
                    acc.seen.add(key)
                    acc.patterns.append(window)
                    acc.file_index.append(index)

    if not files:
        raise ValueError(f"no usable drum MIDI under {midi_root} (skipped: {dict(skipped) or 'no MIDI files found'})")

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    window_summary = {}
    for bars, by_split in per_length.items():
        arrays: dict[str, np.ndarray] = {
            "files": np.array(files), "format_version": np.array(FORMAT_VERSION),
            "file_bpm": np.array(file_bpm, np.float32),
            "file_style": np.array([styles.get(f, ("", ""))[0] for f in files]),
            "file_kind": np.array([styles.get(f, ("", ""))[1] for f in files])}
        window_summary[str(bars)] = {}
        train_keys = by_split["train"].seen
        for split, acc in by_split.items():
            tokens, velocities, offsets = stack(acc.patterns, bars)
            arrays[f"{split}_tokens"] = tokens
            arrays[f"{split}_velocities"] = velocities
            arrays[f"{split}_offsets"] = offsets
            arrays[f"{split}_file"] = np.array(acc.file_index, dtype=np.int32)
            window_summary[str(bars)][split] = {
                "windows": len(acc.patterns),
                "dropped_mostly_empty": acc.dropped_empty,
                "duplicates_dropped": acc.duplicates,
            }
            if split != "train":
                window_summary[str(bars)][split]["also_in_train"] = len(acc.seen & train_keys)
        atomic_write(window_file(out, bars), lambda fh: np.savez_compressed(fh, **arrays))

    steps = int(token_hist.sum())
    class_hits = [int(token_hist[tokens_with_class(c)].sum()) for c in range(len(CLASS_NAMES))]
    top = np.argsort(-token_hist, kind="stable")[:10]
    summary = {
        "format_version": FORMAT_VERSION,
        "source": str(midi_root.resolve()),
        "split_listed_by": "info.csv" if listed else None,
        "files_found": len(files) + sum(skipped.values()),
        "files_read": len(files),
        "files_per_split": {s: files_per_split[s] for s in SPLITS},
        "files_skipped": dict(sorted(skipped.items())),
        "skipped_examples": skipped_examples,
        "bars": {**{s: bars_per_split[s] for s in SPLITS}, "total": sum(bars_per_split.values())},
        "onsets": dict(counts),
        "windows": window_summary,
        "steps": steps,
        "top_tokens": [
            {"token": int(t), "name": token_name(int(t)), "share": round(float(token_hist[t]) / max(steps, 1), 4)}
            for t in top
        ],
        "class_hit_rate": {n: round(h / max(steps, 1), 4) for n, h in zip(CLASS_NAMES, class_hits)},
        "token_histogram": token_hist.tolist(),
        "rules": {
            "quantize": "note-on onsets to the nearest 16th note; hits on one step and class merge (loudest kept)",
            "bars": "only whole 4/4 bars; a time-signature change ends a span",
            "windows": f"hop {config.hop_bars} bar; dropped when more than a quarter of the bars are empty "
            f"(2 bars: {max_empty_bars(2)} empty allowed, 16 bars: {max_empty_bars(16)}); identical windows kept once per split",
            "split": f"by source file: info.csv split honoured where present; {config.test_fraction:.0%} of the "
            "remaining train files held out as test by sha256 of the relative path"
            + ("" if listed else f", {config.valid_fraction:.0%} as valid"),
        },
        "seconds": round(time.perf_counter() - started, 2),
    }
    atomic_write(out / "summary.json", lambda fh: fh.write(json.dumps(summary, indent=1).encode()))
    return summary


def load_windows(dataset: Path, bars: int, split: str) -> WindowSet:
    """The windows of one split and length from a built dataset folder, with a clear error if absent."""
    path = window_file(Path(dataset), bars)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: build it with `python -m trainer dataset --midi DIR --out {dataset}`")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    with np.load(path) as data:
        has = set(data.files)
        return WindowSet(
            tokens=data[f"{split}_tokens"],
            velocities=data[f"{split}_velocities"],
            file_index=data[f"{split}_file"],
            files=[str(f) for f in data["files"]],
            bars=bars,
            offsets=data[f"{split}_offsets"] if f"{split}_offsets" in has else None,
            file_bpm=data["file_bpm"] if "file_bpm" in has else None,
            file_style=[str(x) for x in data["file_style"]] if "file_style" in has else None,
            file_kind=[str(x) for x in data["file_kind"]] if "file_kind" in has else None,
        )
