"""The 4-corner pad's maths, without a model: where a pad position sits between four corner codes, and a path
the musician draws through the pad (recorded in bars, played back over N bars, saved as plain data).

Corners are numbered 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right; a position (x, y) runs from
(0, 0) at the top-left corner to (1, 1) at the bottom-right, as the pad is drawn.

Two mixes:
- `bilinear`: each corner's code weighted by its area share, (1-x)(1-y), x(1-y), (1-x)y, xy. Simple, but
  the average of codes is shorter than any of them: in the middle of four independent codes from the
  prior the code is half as long, well inside the shell where the prior (and so the decoder's training)
  puts its codes: the decoder is asked about codes it rarely saw.
- `slerp` (the default): slerp along x on the top edge and on the bottom edge, then slerp along y between
  the two, in the prior's whitened frame (the code less the prior's mean, through the inverse of its
  Cholesky factor) when the frame is given. Every point then keeps a typical length, each edge is exactly
  the great circle between its two corners (in that frame), and the corners are the corners. Whitening
  matters because the bundled model's prior is far from round: a slerp of raw codes can carry the middle
  of the pad far outside the shell instead. Measured by bench/pad_mix.py on the bundled model (latent 128,
  20 sets of four prior corners), whitened length at the centre, mean [range]: corners 11.2 [10.0-12.9],
  bilinear 5.7 [5.0-6.2], raw slerp 38.3 [10.9-81.2], this mix 11.2 [10.6-11.8].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

CORNERS = 4
CORNER_NAMES = ("top left", "top right", "bottom left", "bottom right")
CORNER_POSITIONS = ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0))
ON_CORNER = 1e-6  # a position this near a corner is on it
MIXES = ("slerp", "bilinear")
Position = tuple[float, float]


def check_position(x: float, y: float) -> Position:
    """(x, y) as floats, or ValueError naming the pad's range."""
    x, y = float(x), float(y)
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):  # NaN fails this too
        raise ValueError(f"a pad position is x and y each between 0 and 1, not ({x:g}, {y:g})")
    return x, y


def corner_at(x: float, y: float) -> Optional[int]:
    """The corner (0-3) that (x, y) is on, or None: a corner plays its own groove, not a decode of its code."""
    for i, (cx, cy) in enumerate(CORNER_POSITIONS):
        if abs(x - cx) < ON_CORNER and abs(y - cy) < ON_CORNER:
            return i
    return None


def bilinear_weights(x: float, y: float) -> np.ndarray:
    """The four corners' shares at (x, y): (4,), summing to 1."""
    x, y = check_position(x, y)
    return np.array([(1 - x) * (1 - y), x * (1 - y), (1 - x) * y, x * y])


@dataclass(frozen=True)
class PriorFrame:
    """The latent prior's mean and Cholesky factor: the frame in which codes are round (unit Gaussian). The
    factor is inverted once, so a mix costs a matrix-vector product per code however large the latent."""

    mean: np.ndarray
    chol: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "_inverse", np.linalg.inv(np.asarray(self.chol, np.float64)))

    def whiten(self, codes: np.ndarray) -> np.ndarray:
        """Codes (N, L) in the frame: N(0, I) under the prior."""
        return (np.asarray(codes, np.float64) - self.mean) @ self._inverse.T

    def colour(self, whitened: np.ndarray) -> np.ndarray:
        """Back from the frame to codes."""
        return np.asarray(whitened, np.float64) @ np.asarray(self.chol, np.float64).T + self.mean


def _slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Great-circle interpolation (lengths interpolated linearly); a straight line where a and b are parallel
    or one is zero. float64 throughout: the pad's edges must meet its corners exactly."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return (1 - t) * a + t * b
    omega = math.acos(float(np.clip(np.dot(a / na, b / nb), -1.0, 1.0)))
    if math.sin(omega) < 1e-6:
        return (1 - t) * a + t * b
    return (math.sin((1 - t) * omega) * a + math.sin(t * omega) * b) / math.sin(omega)


def mix(codes: np.ndarray, x: float, y: float, how: str = "slerp", frame: Optional[PriorFrame] = None) -> np.ndarray:
    """The code at (x, y) between four corner codes (4, L), as float32 (what the engine takes)."""
    codes = np.asarray(codes, np.float64)
    if codes.ndim != 2 or codes.shape[0] != CORNERS:
        raise ValueError(f"the pad mixes {CORNERS} corner codes, not an array of shape {codes.shape}")
    if how == "bilinear":
        return (bilinear_weights(x, y) @ codes).astype(np.float32)
    if how != "slerp":
        raise ValueError(f"the pad's mix is one of {', '.join(MIXES)}, not {how!r}")
    x, y = check_position(x, y)
    c = frame.whiten(codes) if frame is not None else codes
    z = _slerp(_slerp(c[0], c[1], x), _slerp(c[2], c[3], x), y)
    return (frame.colour(z[None])[0] if frame is not None else z).astype(np.float32)


@dataclass(frozen=True)
class PadPoint:
    """Where the dot was (`x`, `y`) `t` bars after the recording began."""

    t: float
    x: float
    y: float


@dataclass(frozen=True)
class PadPath:
    """A path through the pad: points in time order, times in bars from the first point (which is at 0)."""

    points: tuple[PadPoint, ...] = ()

    def __post_init__(self) -> None:
        points = tuple(p if isinstance(p, PadPoint) else PadPoint(*p) for p in self.points)
        for p in points:
            check_position(p.x, p.y)
        if any(not math.isfinite(p.t) or p.t < 0 for p in points):
            raise ValueError("a pad path's times are bars from its start, 0 or more")
        if any(b.t < a.t for a, b in zip(points, points[1:])):
            raise ValueError("a pad path's points must be in time order")
        object.__setattr__(self, "points", points)

    @classmethod
    def through(cls, positions: Sequence[Position]) -> "PadPath":
        """A path that is at position k at bar k (as the command line gives one: a point per bar)."""
        return cls(tuple(PadPoint(float(k), *check_position(*p)) for k, p in enumerate(positions)))

    def __len__(self) -> int:
        return len(self.points)

    @property
    def duration(self) -> float:
        """Bars from the first point to the last."""
        return self.points[-1].t - self.points[0].t if self.points else 0.0

    def at(self, t: float) -> Position:
        """Where the path is `t` bars after its start: between two points, on the line joining them; before the
        first or after the last, there."""
        if not self.points:
            raise ValueError("an empty pad path is nowhere")
        t = self.points[0].t + t
        ts = [p.t for p in self.points]
        i = int(np.searchsorted(ts, t, side="right"))
        if i == 0:
            return self.points[0].x, self.points[0].y
        if i == len(ts):
            return self.points[-1].x, self.points[-1].y
        a, b = self.points[i - 1], self.points[i]
        u = (t - a.t) / (b.t - a.t) if b.t > a.t else 1.0
        return a.x + u * (b.x - a.x), a.y + u * (b.y - a.y)

    def per_bar(self, bars: int) -> list[Position]:
        """The path stretched over `bars` bars: the position each bar plays, the first bar at the path's start
        and the last at its end (both ends are heard), evenly in the path's own time between."""
        if bars < 1:
            raise ValueError(f"a path plays over 1 bar or more, not {bars}")
        if bars == 1:
            return [self.at(0.0)]
        return [self.at(k * self.duration / (bars - 1)) for k in range(bars)]

    def to_dict(self) -> dict:
        """Plain data for the session file."""
        return {"points": [[p.t, p.x, p.y] for p in self.points]}

    @classmethod
    def from_dict(cls, data: object) -> "PadPath":
        """A path from `to_dict`'s data; ValueError saying what is wrong with anything else."""
        if not isinstance(data, dict) or not isinstance(data.get("points"), list):
            raise ValueError("a pad path is a mapping with a list of points")
        points = []
        for item in data["points"]:
            if (not isinstance(item, (list, tuple)) or len(item) != 3
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in item)):
                raise ValueError(f"a pad path's point is [bars, x, y], not {item!r}")
            points.append(PadPoint(*(float(v) for v in item)))
        return cls(tuple(points))


class PathRecorder:
    """Records where the dot goes while the musician drags: each position with the time it got there, turned
    into bars by `bars_per_second` (the tempo's). `now` is the clock (seconds); tests give their own."""

    def __init__(self, bars_per_second: float, now: Callable[[], float]):
        self.bars_per_second, self._now = bars_per_second, now
        self._start: Optional[float] = None
        self._points: list[PadPoint] = []

    def add(self, x: float, y: float) -> None:
        t = self._now()
        if self._start is None:
            self._start = t
        self._points.append(PadPoint((t - self._start) * self.bars_per_second, *check_position(x, y)))

    def path(self) -> PadPath:
        return PadPath(tuple(self._points))


def _circle(u: float) -> Position:
    a = 2 * math.pi * u
    return 0.5 + 0.5 * math.sin(a), 0.5 - 0.5 * math.cos(a)  # from the top edge's middle, clockwise


def _square(u: float) -> Position:
    """Round the edge clockwise from the top-left corner, through every corner."""
    corners = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
    k = min(int(u * 4), 3)
    f = u * 4 - k
    (ax, ay), (bx, by) = corners[k], corners[k + 1]
    return ax + f * (bx - ax), ay + f * (by - ay)


SHAPES: dict[str, Callable[[float], Position]] = {
    "circle": _circle,  # round the middle, touching each edge
    "square": _square,  # round the edge, through every corner
    "diagonal": lambda u: (u, u),  # top-left to bottom-right
    "across": lambda u: (u, 0.5),  # left edge's middle to the right edge's
}


def shape_path(name: str, bars: int) -> PadPath:
    """A named path (`SHAPES`) with a point per bar over `bars` bars: the start at bar 0, the end at the last
    bar (a circle or square comes back to where it began)."""
    if name not in SHAPES:
        raise ValueError(f"a pad shape is one of {', '.join(SHAPES)}, not {name!r}")
    if bars < 1:
        raise ValueError(f"a path plays over 1 bar or more, not {bars}")
    span = max(bars - 1, 1)
    return PadPath.through([tuple(min(max(v, 0.0), 1.0) for v in SHAPES[name](k / span)) for k in range(bars)])


def parse_points(text: str) -> list[Position]:
    """'0,0 1,0 0.5,0.5' (or ';' between points): one position per bar, as the command line takes them."""
    points = []
    for part in filter(None, text.replace(";", " ").split()):
        xs = part.split(",")
        try:
            if len(xs) != 2:
                raise ValueError
            points.append(check_position(float(xs[0]), float(xs[1])))
        except ValueError:
            raise ValueError(f"a pad point is x,y with each between 0 and 1 (e.g. 0.5,0.25), not {part!r}") from None
    if not points:
        raise ValueError("a pad path needs at least one point x,y")
    return points
