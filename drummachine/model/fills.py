"""Fills: the last bar of every N turned into a fill in the groove's own character, and the bar after it landing.

A model with a code per bar (config `bar_latent`) lets one bar change while the others stay as they are: the
fill bar's code moves along the direction from the training beat bars to the drummers' fills, and the bar after
it along the direction to the bars drummers play after a fill (made by export/fills.py from GMD's beat and fill
files). Starting from the groove's own bar code keeps its kit and feel; the vector adds the toms, the crash and
the busier hands. The groove loops, so the fill in its last bar lands on its first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from drummachine.model import format as fmt

FILL_EVERY = (4, 8, 16)  # "a fill every N bars": the choices a musician gets (0 is off)


@dataclass(frozen=True)
class Fills:
    fill: np.ndarray  # (bar_latent,) beat bars -> fill bars
    landing: np.ndarray  # (bar_latent,) beat bars -> the bars after a fill

    @classmethod
    def open(cls, folder: Path, bar_latent: int) -> Optional["Fills"]:
        """The folder's fill directions, or None when it has none. A damaged file raises ValueError naming it."""
        path = Path(folder) / fmt.FILLS
        if not path.is_file():
            return None
        arrays = fmt.read_arrays(path, ("fill", "landing"), "fills file")
        fill, landing = arrays["fill"].astype(np.float32), arrays["landing"].astype(np.float32)
        if not bar_latent or fill.shape != (bar_latent,) or landing.shape != (bar_latent,):
            raise ValueError(f"{path} holds fills for a bar code of {fill.shape}, the model's is {bar_latent or 'none'}")
        return cls(fill, landing)

    def offset(self, bars: int, every: int, amount: float = 1.0, played: Optional[int] = None) -> np.ndarray:
        """How far fills every `every` bars move a code of `bars` bar codes when its first `played` bars (all by
        default) are what loops: the fill direction on bars N-1, 2N-1, ... below `played` and the landing
        direction on the bar after each, the loop's first bar after its last; zero when `every` is 0 or longer
        than the loop. Additive, so a code's fills can be taken off again (a take records the `every` its code
        was made with)."""
        every = check_every(every)
        played = bars if played is None else max(1, min(int(played), bars))
        out = np.zeros((bars, len(self.fill)), np.float32)
        for end in fill_bars(played, every):
            out[end] += amount * self.fill
            out[(end + 1) % played] += amount * self.landing
        return out.reshape(-1)

    def apply(self, z: np.ndarray, bars: int, every: int, amount: float = 1.0,
              played: Optional[int] = None) -> np.ndarray:
        """The code `z` with fills every `every` bars (see `offset`)."""
        return np.asarray(z, np.float32).reshape(-1) + self.offset(bars, every, amount, played)


def check_every(every: int) -> int:
    every = int(every)
    if every != 0 and every not in FILL_EVERY:
        raise ValueError(f"a fill comes every {', '.join(map(str, FILL_EVERY))} bars (0: none), not every {every}")
    return every


def fill_bars(bars: int, every: int) -> list[int]:
    """The bars (0-based) that hold a fill: the last of each `every`; none when `every` is 0."""
    return list(range(every - 1, bars, every)) if every else []
