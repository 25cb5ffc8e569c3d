"""The generation engine: sample, decode bar by bar, encode, interpolate, vary and lock, on onnxruntime.

Deterministic: a seed fixes the latent code (with the temperature, which bars repeat an earlier one, for a prior
with repeat chances) and, per bar, the uniforms the sampler reads, so the same seed gives the same pattern whether
the bars are asked for one at a time or all together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence, Union

import numpy as np

from drummachine import limits
from drummachine.model import format as fmt
from drummachine.model.code_fit import FitSettings, fit_groove
from drummachine.model.latent import interpolation_points, slerp
from drummachine.model.repeats import copy_sources, rates_at, with_copies
from drummachine.model.uniforms import bar_uniforms
from drummachine.model.folder import ModelFiles, open_model
from drummachine.groove.morph import MorphPlan, loop_to, plan_morph
from drummachine.groove.pattern import Pattern
from drummachine.groove.take import Take, code_tuple, knob_tuple
from drummachine.groove.velocity import accent_velocities
from drummachine.groove.vocabulary import NUM_TOKENS, STEPS_PER_BAR, tokens_keeping, tokens_to_pattern

START_TOKEN = NUM_TOKENS  # 'no bar before' for a decoder that reads the previous bar
LOCK_BIAS = -1e9  # added to the logits of tokens that break a lock: their probability becomes 0


def new_seed() -> int:
    return int(np.random.SeedSequence().entropy % (2**31))


def run_bar_decoder(session, emb: np.ndarray, h0: np.ndarray, c0: np.ndarray, uniforms: np.ndarray, bias: np.ndarray,
                    temperature: float, chained: bool, context: Optional[np.ndarray] = None,
                    logits: bool = False) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """Run the whole-bar graph over bars (N codes, U bars): tokens (N, U, 16) and, if asked, logits.

    Bars of a plain model never share state, so all N*U decode in one call. A model that reads the bar
    before (`chained`) plays bar after bar, each reading the tokens it just played (`context`, or 'no bar'
    for the first), the N codes side by side. Temperature 0 is greedy."""
    n, u = emb.shape[:2]
    greedy = temperature <= 0
    inv_t = 1.0 if greedy else 1.0 / temperature

    def call(rows: int, e, h, c, uni, b, ctx):
        feeds = {"embedding": e, "h0": h, "c0": c, "uniforms": np.ascontiguousarray(uni, np.float32),
                 "bias": np.ascontiguousarray(b, np.float32),
                 "inv_temperature": np.full((rows, 1), inv_t, np.float32),
                 "greedy": np.full((rows, 1), 1.0 if greedy else 0.0, np.float32)}
        if ctx is not None:
            feeds["context"] = np.ascontiguousarray(ctx, np.int64)
        return session.run(["tokens", "logits"] if logits else ["tokens"], feeds)

    if not chained:
        flat = lambda a: np.ascontiguousarray(a).reshape(n * u, *a.shape[2:])  # noqa: E731
        out = call(n * u, flat(emb), flat(h0), flat(c0), flat(uniforms), flat(bias), None)
        return out[0].reshape(n, u, STEPS_PER_BAR), out[1].reshape(n, u, STEPS_PER_BAR, -1) if logits else None
    ctx = np.full((n, STEPS_PER_BAR), START_TOKEN, np.int64) if context is None else context
    tokens, all_logits = [], []
    for bar in range(u):
        out = call(n, emb[:, bar], h0[:, bar], c0[:, bar], uniforms[:, bar], bias[:, bar], ctx)
        ctx = out[0]
        tokens.append(out[0])
        if logits:
            all_logits.append(out[1])
    return np.stack(tokens, 1), np.stack(all_logits, 1) if logits else None


@dataclass(frozen=True)
class Lock:
    """Classes whose hits are held to `pattern` (bar k of a decode follows bar k mod pattern.bars)."""

    pattern: Pattern
    classes: frozenset[int] = field(default_factory=frozenset)

    def bias(self, bar: int) -> np.ndarray:
        """(16, 512) logit bias for one bar: 0 where a token keeps the locked classes as they are, else -1e9."""
        ref = self.pattern.bar_slice(bar % self.pattern.bars, bar % self.pattern.bars + 1).tokens()
        return np.where(tokens_keeping(ref, self.classes), 0.0, LOCK_BIAS).astype(np.float32)


Endpoint = Union[Pattern, np.ndarray]


class Engine:
    def __init__(self, model: Optional[Union[Path, str, ModelFiles]] = None, threads: int = 1, prefer_gpu: bool = True,
                 fit: FitSettings = FitSettings()):
        self.model = model if isinstance(model, ModelFiles) else open_model(model, threads, prefer_gpu)
        cfg = self.model.config
        self.bars = int(cfg["bars"])
        self.latent = int(cfg["latent"])
        s = self.model.sessions
        self._encoder, self._conductor, self._bar = s[fmt.ENCODER], s[fmt.CONDUCTOR], s[fmt.BAR_DECODER]
        self._fit = s.get(fmt.BAR_FIT)
        self.fit_settings = fit

    @property
    def provider(self) -> str:
        return self.model.provider

    @property
    def default_temperature(self) -> float:
        """Where sampling starts: the temperature tuned with this model's prior, else the app's default."""
        return self.model.temperature if self.model.temperature is not None else limits.TEMPERATURE.default

    # --- latent codes -------------------------------------------------------------------------------------
    def random_latent(self, seed: int) -> np.ndarray:
        """A code drawn from the Gaussian of the model's latent prior (see model_format.LATENT_PRIOR); `sample`
        also lets some bars repeat an earlier one (`repeat_sources`)."""
        eps = np.random.default_rng([seed, 0]).standard_normal(self.latent).astype(np.float32)
        return self.model.prior_mean + self.model.prior_chol @ eps

    @property
    def bar_latent(self) -> int:
        """The numbers of code per bar (0: one code for the whole groove)."""
        return int(self.model.config.get("bar_latent", 0) or 0)

    def repeat_sources(self, seed: int, temperature: float, bars: Optional[int] = None) -> Optional[tuple[int, ...]]:
        """For the first `bars` bars (default all) of the groove drawn with `seed` at `temperature`, the bar each
        plays again (its own index when none), as the prior's repeat chances have it (model/repeats.py); None when
        no bar repeats or the prior has no chances."""
        if self.model.repeat_rates is None or not self.bar_latent:
            return None
        rates = rates_at(self.model.repeat_rates, self.model.repeat_temperatures, temperature)
        sources = copy_sources(seed, rates)[:self._check_bars(bars)]
        return None if np.array_equal(sources, np.arange(len(sources))) else tuple(int(s) for s in sources)

    def with_repeats(self, z: np.ndarray, repeats: Optional[Sequence[int]]) -> np.ndarray:
        """The code with each bar that repeats an earlier one holding that bar's code (as it is: no repeats)."""
        if repeats is None or len(repeats) == 0 or not self.bar_latent:
            return np.asarray(z, np.float32).reshape(-1)
        return with_copies(z, np.asarray(repeats), self.bar_latent)

    @property
    def fits_codes(self) -> bool:
        """Whether `encode` fits the encoder's code to the pattern (a folder with the fit graph, steps above 0)."""
        return self._fit is not None and self.fit_settings.steps > 0

    def encode(self, pattern: Pattern, fit: bool = True) -> np.ndarray:
        """The code of a pattern: the encoder's (mu), fitted to the pattern's own bars when the model can
        (model/code_fit.py; `fit=False` keeps mu). Shorter patterns are looped to the model's length, longer ones
        cut."""
        if pattern.bars == 0:
            raise ValueError("cannot encode an empty pattern")
        idx = np.arange(self.bars) % pattern.bars
        tokens = Pattern(pattern.velocities[idx] if pattern.bars != self.bars else pattern.velocities).tokens()
        tokens = tokens.astype(np.int64)[None]
        mu, sigma = self._encoder.run(None, {"tokens": tokens})
        if not (fit and self.fits_codes):
            return mu[0]
        return fit_groove(self._fit, tokens[0], mu[0], sigma[0], self.fit_settings)

    def _code(self, end: Endpoint) -> np.ndarray:
        return self.encode(end) if isinstance(end, Pattern) else np.asarray(end, dtype=np.float32).reshape(self.latent)

    # --- decoding ----------------------------------------------------------------------------------------
    def _bar_inputs(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Conductor outputs for codes (N, L): embeddings (N, U, C), h0 and c0 (N, U, layers, H)."""
        return self._conductor.run(None, {"z": np.asarray(z, dtype=np.float32).reshape(-1, self.latent)})

    def decode_bars(
        self,
        z: np.ndarray,
        bars: Optional[int] = None,
        temperature: float = 1.0,
        seed: int = 0,
        lock: Optional[Lock] = None,
        repeats: Optional[Sequence[int]] = None,
    ) -> Iterator[Pattern]:
        """One-bar patterns, decoded when asked for: a player can ask for bar n+1 while bar n plays."""
        bars = self._check_bars(bars)
        inputs = self._bar_inputs(z)
        previous = None
        for bar in range(bars):
            previous = self._decode(inputs, [bar], temperature, seed, lock, previous, repeats)[0]
            yield previous

    def decode_bar(self, z: np.ndarray, bar: int, temperature: float = 1.0, seed: int = 0,
                   lock: Optional[Lock] = None, previous: Optional[Pattern] = None,
                   repeats: Optional[Sequence[int]] = None) -> Pattern:
        """Bar `bar` alone (as in `decode`): what a player's bar source asks for while the previous bar plays.

        A model that reads the bar before (`reads_previous_bar`) plays on from `previous` (the bar that sounded
        before, e.g. in a morph); without it, the groove's own bars are decoded up to this one."""
        self._check_bars(bar + 1)
        inputs = self._bar_inputs(z)
        if not self.reads_previous_bar or previous is not None or bar == 0:
            return self._decode(inputs, [bar], temperature, seed, lock, previous, repeats)[0]
        for b in range(bar + 1):
            previous = self._decode(inputs, [b], temperature, seed, lock, previous, repeats)[0]
        return previous

    @property
    def reads_previous_bar(self) -> bool:
        """Whether this model's bar decoder reads the bar before (bars then decode one after another)."""
        return bool(self.model.config.get("bar_context", False))

    def _check_bars(self, bars: Optional[int]) -> int:
        bars = self.bars if bars is None else int(bars)
        if not 1 <= bars <= self.bars:
            raise ValueError(f"this model decodes 1 to {self.bars} bars, not {bars}")
        return bars

    def _decode(self, inputs, bar_ids: list[int], temperature: float, seed: int, lock: Optional[Lock],
                previous: Optional[Pattern] = None, repeats: Optional[Sequence[int]] = None) -> list[Pattern]:
        """Bars `bar_ids` of every code whose conductor outputs are `inputs`: one pattern per code.

        The uniforms of bar b come from (seed, b) (coupled across bars by the model's bar coherence, see
        model/uniforms.py), or from (seed, repeats[b]) for a bar that repeats an earlier one (so that it plays
        that very bar, model/repeats.py), and its lock bias from bar b, whatever else is decoded alongside, so bar
        by bar and all at once agree."""
        emb, h0, c0 = inputs
        n, u = emb.shape[0], len(bar_ids)
        ids = [int(repeats[b]) if repeats is not None and b < len(repeats) else b for b in bar_ids]
        uniforms = np.broadcast_to(bar_uniforms(seed, ids, self.model.bar_coherence), (n, u, STEPS_PER_BAR))
        if lock and lock.classes:
            bias = np.broadcast_to(np.stack([lock.bias(b) for b in bar_ids]), (n, u, STEPS_PER_BAR, NUM_TOKENS))
        else:
            bias = np.zeros((n, u, STEPS_PER_BAR, NUM_TOKENS), np.float32)
        context = None
        if previous is not None and self.reads_previous_bar:
            context = np.broadcast_to(previous.bar_slice(previous.bars - 1, previous.bars).tokens().astype(np.int64),
                                      (n, STEPS_PER_BAR))
        tokens = run_bar_decoder(self._bar, emb[:, bar_ids], h0[:, bar_ids], c0[:, bar_ids], uniforms, bias,
                                 temperature, self.reads_previous_bar, context)[0]
        out = []
        for row in tokens:
            hits = tokens_to_pattern(row.reshape(-1))
            velocities, offsets = accent_velocities(hits), None
            if lock and lock.classes:  # locked hits keep their own velocity and timing
                rows = np.array(bar_ids) % lock.pattern.bars
                keep = np.zeros(9, dtype=bool)
                keep[list(lock.classes)] = True
                kept = keep[None, None, :] & hits
                velocities = np.where(kept, lock.pattern.velocities[rows], velocities)
                if lock.pattern.offsets is not None:
                    offsets = np.where(kept, lock.pattern.offsets[rows], 0.0)
            out.append(Pattern(velocities, offsets))
        return out

    def decode(self, z: np.ndarray, bars: Optional[int] = None, temperature: float = 1.0, seed: int = 0,
               lock: Optional[Lock] = None, repeats: Optional[Sequence[int]] = None) -> Pattern:
        """All bars at once; equal to joining `decode_bars`. `repeats`: the bar each bar plays again (a sampled
        take's, Take.repeats), whose random draws it decodes with."""
        return self.decode_many(np.asarray(z).reshape(1, self.latent), bars, temperature, seed, lock, repeats)[0]

    def decode_many(self, zs: np.ndarray, bars: Optional[int] = None, temperature: float = 1.0, seed: int = 0,
                    lock: Optional[Lock] = None, repeats: Optional[Sequence[int]] = None) -> list[Pattern]:
        """Several codes in one conductor call and batched bar-decoder calls; each equals its own `decode`."""
        bars = self._check_bars(bars)
        return self._decode(self._bar_inputs(zs), list(range(bars)), temperature, seed, lock, None, repeats)

    # --- what the musician asks for -------------------------------------------------------------------------
    def sample(self, bars: Optional[int] = None, temperature: float = 1.0, seed: Optional[int] = None,
               lock: Optional[Lock] = None, knobs: Optional[dict[str, float]] = None, fill_every: int = 0) -> Take:
        """A new groove from the latent prior, decoded at `temperature` (0 = greedy), its code moved by the
        `knobs` (name -> position, see model/knobs.py) when the model has them, with a fill in the last bar of
        every `fill_every` (see model/fills.py; 0: none)."""
        seed, bars = new_seed() if seed is None else int(seed), self._check_bars(bars)
        repeats = self.repeat_sources(seed, temperature, bars)
        # knob vectors differ a little from bar to bar: the copies are made after them, the fills after those
        z = self.with_repeats(self.random_latent(seed) + self.knob_offset(knobs), repeats)
        z = self.with_fills(z, fill_every, bars=bars)
        return Take(self.decode(z, bars, temperature, seed, lock, repeats), code_tuple(z), seed, temperature,
                    "sample", knob_tuple(knobs or {}), fill_every, repeats or ())

    def knob_offset(self, knobs: Optional[dict[str, float]]) -> np.ndarray:
        """How far knobs at these positions move a code (zero without knobs)."""
        if not knobs or not any(knobs.values()):
            return np.zeros(self.latent, np.float32)
        if self.model.knobs is None:
            raise ValueError(f"the model in {self.model.folder} has no knobs ({fmt.KNOBS})")
        return self.model.knobs.offset(knobs)

    @property
    def has_fills(self) -> bool:
        return self.model.fills is not None

    def fill_offset(self, every: int, amount: float = 1.0, bars: Optional[int] = None) -> np.ndarray:
        """How far "a fill every `every` bars" moves a code whose first `bars` bars loop (zero for 0, or an
        interval longer than the loop); see model/fills.py."""
        if not every:
            return np.zeros(self.latent, np.float32)
        if self.model.fills is None:
            raise ValueError(f"the model in {self.model.folder} has no fills ({fmt.FILLS}): "
                             "fills need a model with a code per bar")
        return self.model.fills.offset(self.bars, every, amount, bars)

    def with_fills(self, z: np.ndarray, every: int, amount: float = 1.0, bars: Optional[int] = None) -> np.ndarray:
        """The code with a fill in bar every-1, 2*every-1, ... of the first `bars` and a landing on the bar after
        each (0: as it is)."""
        return np.asarray(z, np.float32).reshape(-1) + self.fill_offset(every, amount, bars)

    def interpolate(self, a: Endpoint, b: Endpoint, steps: int, bars: Optional[int] = None,
                    temperature: float = 0.0, seed: int = 0) -> list[Pattern]:
        """`steps` patterns from a to b along the great circle between their codes (ends included)."""
        za, zb = self._code(a), self._code(b)
        zs = np.stack([slerp(za, zb, t) for t in interpolation_points(steps)])
        return self.decode_many(zs, bars, temperature, seed)

    def plan_morph(self, a: Pattern, b: Pattern, bars: Optional[int] = None, guide_steps: int = 9,
                   seed: int = 0) -> MorphPlan:
        """A steady morph from groove a to groove b (see drummachine.groove.morph): the model's greedy decodes at
        `guide_steps` codes along the great circle between theirs order the change; the ends are a and b
        themselves (looped to `bars`, by default the longer of the two, at most the model's length)."""
        bars = self._check_bars(bars if bars is not None else min(max(a.bars, b.bars), self.bars))
        a, b = loop_to(a, bars), loop_to(b, bars)
        # the encoder's codes, not fitted ones: the plan's ends are the grooves themselves and the codes only order
        # the change between them, and the studio plans a live morph on the window's thread, where a fit's
        # fraction of a second would stall the window
        za, zb = self.encode(a, fit=False), self.encode(b, fit=False)
        zs = np.stack([slerp(za, zb, t) for t in interpolation_points(guide_steps)])
        guide = np.stack([p.hits for p in self.decode_many(zs, bars, 0.0)])
        return plan_morph(a, b, guide, seed)

    def variations(self, pattern: Pattern, amount: float = 0.5, n: int = 4, temperature: float = 0.0,
                   seed: Optional[int] = None, lock: Optional[Lock] = None,
                   code: Optional[np.ndarray] = None, repeats: Sequence[int] = (),
                   fills: Optional[np.ndarray] = None) -> list[Take]:
        """`n` grooves near a pattern: its code (`code` when the caller has the one it was decoded from, else its
        encoding) plus `amount` times noise shaped like the data's codes. A sampled groove's copy plan
        (`repeats`, Take.repeats) is kept: its copies take their source's varied code again, before the `fills`
        offset its code held (given without it in `code`) goes back on."""
        seed = new_seed() if seed is None else int(seed)
        mu = self.encode(pattern) if code is None else np.asarray(code, np.float32).reshape(self.latent)
        noise = np.random.default_rng([seed, 2]).standard_normal((n, self.latent)).astype(np.float32)
        noise = noise @ self.model.prior_chol.T
        bars = min(pattern.bars, self.bars)
        after = np.zeros(self.latent, np.float32) if fills is None else np.asarray(fills, np.float32)
        codes = [self.with_repeats(mu + amount * noise[i], repeats) + after for i in range(n)]
        return [Take(self.decode(codes[i], bars, temperature, seed + i, lock, repeats), code_tuple(codes[i]),
                     seed + i, temperature, "variation", repeats=tuple(repeats)) for i in range(n)]
