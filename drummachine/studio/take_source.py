"""Where a groove for a slot or a pad corner comes from: the current groove, a new sample, a MIDI file or a
candidate. One rule for every place that takes a groove in, so each offers the same four and says the same
when one cannot be had."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from drummachine.groove.take import Take
from drummachine.midi.reader import read_groove
from drummachine.model.engine import new_seed

if TYPE_CHECKING:
    from drummachine.studio.studio import Studio

TAKE_SOURCES = ("current", "sample", "file", "candidate")


def take_from(studio: "Studio", how: str, land: Callable[[Take], None], path: Optional[Path] = None,
              candidate: Optional[int] = None) -> bool:
    """A take from `how` (one of TAKE_SOURCES), handed to `land` on the owner's thread: at once for the groove
    or a candidate, after the studio's worker sampled it or read the file (a bad file is a notice naming it).
    False when a sample is asked for without a model."""
    if how == "current":
        land(studio.session.take)
    elif how == "candidate":
        if candidate is None:
            raise ValueError("a groove from a candidate needs its number")
        land(studio.candidate(candidate))
    elif how == "sample":
        if studio.engine is None:
            return False
        engine, bars, temperature, seed = studio.engine, studio.pattern.bars, studio.session.settings.temperature, new_seed()
        studio.submit("generating", lambda: engine.sample(bars, temperature, seed), land)
    elif how == "file":
        if path is None:
            raise ValueError("a groove from a file needs the file")
        studio.submit("reading a file", lambda: read_groove(path), lambda read: land(Take(read, label="file")),
                       failed="the file could not be read")
    else:
        raise ValueError(f"a groove comes from {', '.join(TAKE_SOURCES)}, not {how!r}")
    return True
