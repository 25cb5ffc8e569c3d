"""The latent prior of a model with a code per bar: a groove plus its bars' variations, their spreads tuned
together with the temperature and the bar coherence the app samples at.

A Gaussian over bar codes cannot say "this bar again, exactly", so with the spreads the training codes have,
every sampled bar differs from the one before more than a drummer's bars do. This tool fits the prior
(export/onnx_export.py `groove_and_bar_gaussian`) with a scale on the bars' variations and one on the groove,
and optionally one of its own on the section change (how a window's last eight bars differ from its first: a
drummer's grooves vary more eight bars apart than one bar apart, and shrinking every bar's variation lost that),
and with `--tune` picks them, and the temperature to decode at, on the **validation** grooves: for each
setting on the grid, samples are measured beside the real validation windows with every figure of
trainer/grooves.py (hits per bar, backbeat, bar-to-bar distance at lags 1, 2, 4, 8, repeated and distinct
bars, diversity between grooves: inside the real interval; class rates: within 25% of the real rate), and the
setting whose samples match the most figures (ties: the smallest summed relative gap of the lag distances and of
the diversity) is written. One draw's count moves by about a figure from seed to seed, so the grid's leaders (within
--finalist-margin of its best count) are compared again by their mean over --draws further draws of other seeds. The
section scales are tried after the grid, at its winner's temperature, coherence and groove spread, with its bar
scale and that scale's neighbours, over the same draws. The test split is never looked at.

Then (unless --no-repeats) the chance that a sampled bar copies an earlier one, at each lag: drummers repeat bars
note for note (4% of training bars equal the bar before, 12% some earlier bar), a Gaussian's bars almost never do.
The chances are the training windows' rates less the rates the chosen Gaussian's own samples repeat at
(drummachine/model/repeats.py); the settings above are tuned without them.

The bar coherence (drummachine/model/uniforms.py) couples the random numbers each bar's steps are drawn with:
at a temperature that keeps the rare instruments, independent draws vary every bar; coupled draws vary the bars
where the code does. It is tuned with the rest (for T > 0) and written into the prior file, where the engine
reads it; the temperature goes to model.json (`prior_scales`), for the card.

    python -m export.prior --model models/pbs16 --data data/gmd --tune [--temperatures 0 0.8 1] [--coherences 0.9 ...]
    python -m export.prior --model models/pbs16 --data data/gmd --groove-scale 1 --bar-scale 0.2 --coherence 0.95
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from drummachine import limits
from drummachine.model import format as fmt

GROOVE_SCALES = (1.2, 1.0, 0.8)
BAR_SCALES = (1.0, 0.6, 0.4, 0.3, 0.2, 0.15, 0.1)
SECTION_SCALES = (None, 0.3, 0.5, 0.8)  # None: the section change is one of the bars' variations (bar scale)
COHERENCES = (0.0, 0.9, 0.95, 0.98)


def sample_figures(engine, real, real_files, samples: int, temperature: float, first_seed: int = 0,
                   real_diversity=None) -> dict:
    """figure -> (real estimate, sample mean, matches) for every figure (diversity between grooves among them,
    the real grooves' `real_diversity` when given), for the samples drawn with seeds first_seed .. first_seed +
    samples - 1."""
    from trainer.groove_report import sample_figure_rows, sample_grooves

    hits = sample_grooves(engine, temperature, range(first_seed, first_seed + samples))
    return {name: (row["real"], row["samples"].value, row["matches"])
            for name, row in sample_figure_rows(real, real_files, hits, real_diversity).items()}


def score(figures: dict) -> tuple[int, float]:
    gaps = [abs(s - r.value) / r.value for name, (r, s, _) in figures.items()
            if (name.startswith("lag") or name == "diversity") and np.isfinite(s) and r.value > 0]
    return sum(ok for _, _, ok in figures.values()), -sum(gaps)


REPEAT_TEMPERATURES = (0.0, 0.5, 0.8, 1.0, 1.5)  # the app's range is 0-2: beyond 1.5 the chances stay 1.5's


def fit_repeat_rates(engine, train_tokens: np.ndarray, samples: int,
                     temperatures: Sequence[float] = REPEAT_TEMPERATURES) -> np.ndarray:
    """(temperatures, bars) the chance that a sampled bar copies the bar `lag` before (drummachine/model/
    repeats.py) at each temperature: the training windows' rate of each lag, less the rate at which `samples`
    grooves of the Gaussian alone (the engine's prior) decoded at that temperature already repeat by chance, so
    that samples repeat bars about as often as the drummers did."""
    from drummachine.model.repeats import lag_rates
    from trainer.groove_report import grooves_of, sample_grooves

    drummers = lag_rates(grooves_of(train_tokens.astype(np.int64)))
    rows = []
    for t in temperatures:
        hits = sample_grooves(engine, t, range(samples))
        rows.append(np.clip(drummers - lag_rates(hits), 0.0, None))
    return np.stack(rows)


def mean_score(draws: list[dict]) -> tuple[float, float]:
    """`score` averaged over draws of other seeds: the mean count of figures matched, then the mean gap."""
    scores = [score(f) for f in draws]
    return float(np.mean([c for c, _ in scores])), float(np.mean([g for _, g in scores]))


def main(argv: list[str] | None = None) -> int:
    from drummachine.model.engine import Engine
    from drummachine.model.folder import ModelError
    from drummachine.model.repeats import rates_at
    from export.knobs import cached_training_codes
    from export.onnx_export import gaussian_of_codes, halves
    from trainer.dataset import load_windows
    from trainer.groove_report import diversity_estimate, grooves_of

    ap = argparse.ArgumentParser(prog="python -m export.prior", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True, help="a model folder with a code per bar")
    ap.add_argument("--data", type=Path, required=True, help="the dataset the model was trained on")
    ap.add_argument("--groove-scale", type=float, default=1.0, help="(the four flags below and this one: without "
                    "--tune, which tries the plural flags' values)")
    ap.add_argument("--bar-scale", type=float, default=1.0)
    ap.add_argument("--section-scale", type=float, default=None,
                    help="a scale of its own for how a window's second half differs from its first (default: none, "
                         "the section change is scaled with the bars' variations)")
    ap.add_argument("--coherence", type=float, default=0.0, help="how much bars share their sampling draws (0-1)")
    ap.add_argument("--no-repeats", dest="repeats", action="store_false",
                    help="leave out the chance that a sampled bar copies an earlier bar (the training drummers' rates)")
    ap.add_argument("--why", default="",
                    help="without --tune: how this prior was chosen, for the card (e.g. the comparison it won)")
    ap.add_argument("--tune", action="store_true",
                    help="pick both scales, the temperature and the bar coherence on the validation grooves")
    ap.add_argument("--temperatures", type=float, nargs="+", default=[0.0, 0.8, 1.0],
                    help="the temperatures tried with --tune (the best is recorded as the model's own)")
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--draws", type=int, default=4,
                    help="with --tune: the draws (of --samples each, other seeds) the finalists and the section scales "
                         "are compared over")
    ap.add_argument("--finalist-margin", type=float, default=1.0,
                    help="with --tune: grid settings within this many figures of the best one-draw count are finalists")
    ap.add_argument("--coherences", type=float, nargs="+", default=list(COHERENCES), help="tried with --tune")
    ap.add_argument("--groove-scales", type=float, nargs="+", default=list(GROOVE_SCALES), help="tried with --tune")
    ap.add_argument("--bar-scales", type=float, nargs="+", default=list(BAR_SCALES), help="tried with --tune")
    ap.add_argument("--section-scales", type=float, nargs="+",
                    help="tried with --tune, beside none (default: " + " ".join(f"{x:g}" for x in SECTION_SCALES[1:])
                         + ")")
    ap.add_argument("--codes-cache", type=Path, help="keep the training codes here (and read them from here)")
    args = ap.parse_args(argv)
    for flag, value, least in (("--draws", args.draws, 1), ("--finalist-margin", args.finalist_margin, 0)):
        if value < least:
            print(f"error: {flag} is at least {least}, not {value:g}", file=sys.stderr)
            return 2
    for flag, values in (("--coherence", [args.coherence]), ("--coherences", args.coherences)):
        if not all(0.0 <= c <= 1.0 for c in values):
            print(f"error: {flag} is between 0 and 1, not {' '.join(f'{c:g}' for c in values)}", file=sys.stderr)
            return 2
    scales = {"--groove-scale": [args.groove_scale], "--bar-scale": [args.bar_scale],
              "--section-scale": [] if args.section_scale is None else [args.section_scale],
              "--groove-scales": args.groove_scales, "--bar-scales": args.bar_scales,
              "--section-scales": args.section_scales or []}
    for flag, values in scales.items():
        if any(v < 0 for v in values):
            print(f"error: {flag} is a spread's scale, at least 0, not {' '.join(f'{v:g}' for v in values)}",
                  file=sys.stderr)
            return 2
    section_scales = [None, *(SECTION_SCALES[1:] if args.section_scales is None else args.section_scales)]
    bar_scales = sorted(set(args.bar_scales), reverse=True)  # neighbours on the grid are the next wider and narrower
    try:
        engine = Engine(args.model)
        if not engine.bar_latent:
            raise ValueError(f"{args.model} has one code for all its bars: its prior is fitted at export")
        codes = cached_training_codes(engine, lambda: load_windows(args.data, engine.bars, "train").tokens,
                                      args.codes_cache)
        valid = load_windows(args.data, engine.bars, "valid")
        try:
            halves(engine.bars)
        except ValueError as exc:  # no halves to set apart: sections stay among the bars' variations
            if args.section_scale is not None:
                raise ValueError(f"{args.model}: --section-scale: {exc}") from exc
            section_scales = [None]
    except (FileNotFoundError, ValueError, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    real, files = grooves_of(valid.tokens.astype(np.int64)), valid.file_index
    real_diversity = diversity_estimate(real, files) if args.tune else None  # the same for every setting

    def use(gs: float, bs: float, coherence: float, ss: Optional[float]):
        mean, chol = gaussian_of_codes(codes, engine.bars, gs, bs, section_scale=ss)
        engine.model = dataclasses.replace(engine.model, prior_mean=mean, prior_chol=chol, bar_coherence=coherence,
                                           repeat_rates=None)  # the Gaussian alone: repeats are fitted after
        return mean, chol

    chosen, temperature = (args.groove_scale, args.bar_scale, args.coherence, args.section_scale), None
    if args.tune:
        draws_of: dict = {}  # (t, setting) -> the figures of each draw measured so far

        def trial(t: float, coherence: float, gs: float, bs: float, ss: Optional[float], draws: int) -> tuple:
            """The setting's score over `draws` draws of `args.samples` samples (other seeds each draw): the grid's
            one draw, or, to compare leaders, `draws` draws after it (the draw that made a leader is left out, so
            that leaders and section scales are compared on draws none of them was chosen by)."""
            key = (t, (gs, bs, coherence, ss))
            done = draws_of.setdefault(key, [])
            wanted = range(1) if draws == 1 else range(1, draws + 1)
            if len(done) < wanted[-1] + 1:
                use(gs, bs, coherence, ss)
                done += [sample_figures(engine, real, files, args.samples, t, first_seed=d * args.samples,
                                        real_diversity=real_diversity)
                         for d in range(len(done), wanted[-1] + 1)]
            chosen_draws = [done[d] for d in wanted]
            s, figures = mean_score(chosen_draws), chosen_draws[-1]

            def value(name: str) -> float:  # the samples' figure, averaged over the draws
                return float(np.mean([f[name][1] for f in chosen_draws]))

            lags = " ".join(f"{value(f'lag {k} distance'):5.2f}" for k in (1, 2, 4, 8))
            counts = "" if draws == 1 else f" over {draws} draws ({' '.join(str(score(f)[0]) for f in chosen_draws)})"
            print(f"T {t:g} coherence {coherence:g} groove {gs:4.2f} bars {bs:4.2f} sections {_section(ss)}: "
                  f"{s[0]:g}/{len(figures)} match{counts}, lag 1/2/4/8 {lags}, "
                  f"repeats {value('repeat share'):.3f}, diversity {value('diversity'):.2f}", flush=True)
            return s, key, figures

        # First the grid, one draw a setting, with the section change among the bars' variations. One draw's count
        # is noisy (it moves by about one figure from draw to draw), so every setting within --finalist-margin of
        # the best count is measured again over --draws draws, and the best mean goes on. Then, at its temperature,
        # coherence and groove spread, each section scale with its bar scale and that scale's neighbours on the
        # grid, over the same draws.
        grid = [trial(t, coherence, gs, bs, None, 1)
                for t in args.temperatures
                for coherence in (args.coherences if t > 0 else (0.0,))  # greedy decoding reads no random numbers
                for gs, bs in itertools.product(args.groove_scales, bar_scales)]
        top = max(s[0] for s, _, _ in grid)
        finalists = [(t, setting) for s, (t, setting), _ in grid if s[0] >= top - args.finalist_margin]
        if args.draws > 1:
            print(f"{len(finalists)} settings within {args.finalist_margin:g} of the best count ({top:g}), "
                  f"each over {args.draws} draws:", flush=True)
        best = max((trial(t, setting[2], setting[0], setting[1], None, args.draws) for t, setting in finalists),
                   key=lambda r: r[0])
        t, (gs, bs, coherence, _) = best[1]
        i = bar_scales.index(bs)
        for bs, ss in itertools.product(bar_scales[max(0, i - 1):i + 2], section_scales[1:]):
            best = max(best, trial(t, coherence, gs, bs, ss, args.draws), key=lambda r: r[0])
        _, (temperature, chosen), figures = best
        real_figures = {k: v[0].value for k, v in figures.items()}  # the validation grooves': alike in every trial
        print("validation grooves: " + ", ".join(f"{k} {v:.3f}" for k, v in real_figures.items()))
    mean, chol = use(*chosen)
    repeats = {}
    if args.repeats:
        rates = fit_repeat_rates(engine, load_windows(args.data, engine.bars, "train").tokens, args.samples)
        repeats = {"repeat_rates": rates, "repeat_temperatures": np.array(REPEAT_TEMPERATURES)}
        for t, row in zip(REPEAT_TEMPERATURES, rates):
            print(f"repeat chances at T={t:g} (a bar copies the bar 1, 2, 3, 4 ... before): "
                  + " ".join(f"{r:.4f}" for r in row[1:9]) + f" ...; {row.sum():.3f} in all", flush=True)
        at = temperature if temperature is not None else limits.TEMPERATURE.default
    np.savez(args.model / fmt.LATENT_PRIOR, mean=mean, chol=chol, bar_coherence=np.float64(chosen[2]), **repeats)
    info_path = args.model / fmt.INFO
    if info_path.is_file():
        from export.model_card import refresh_card

        info = json.loads(info_path.read_text())
        before = info.get("prior_scales") or {}
        if not args.tune and before.get("tuned") and before.get("temperature") is not None:
            print(f"note: {args.model}'s temperature T={before['temperature']:g} was tuned with its old prior; this "
                  "prior is not tuned, so the app samples the model at its default temperature", file=sys.stderr)
        info["latent_prior"] = (f"Gaussian fitted to the codes of {len(codes)} training windows as a groove plus its "
                                f"bars' variations (groove spread x{chosen[0]:g}, bar variation x{chosen[1]:g}"
                                + ("" if chosen[3] is None else
                                   f", the section change (the first {engine.bars // 2} bars against the last "
                                   f"{engine.bars // 2}) x{chosen[3]:g}")
                                + f", bar coherence {chosen[2]:g}"
                                + (f", tuned on the validation grooves with T={temperature:g}" if args.tune else "")
                                + ("" if not repeats else
                                   "; a sampled bar copies an earlier bar with chance "
                                   f"{rates_at(rates, np.array(REPEAT_TEMPERATURES), at).sum():.3f} at T={at:g}, at "
                                   "the lags the training drummers repeat bars at, less the Gaussian's own repeats "
                                   "at each temperature")
                                + ")" + (f"; {args.why.strip()}" if args.why.strip() and not args.tune else ""))
        if isinstance(info.get("files"), dict):  # the card adds these sizes up
            info["files"][fmt.LATENT_PRIOR] = (args.model / fmt.LATENT_PRIOR).stat().st_size
        info["prior_scales"] = {"groove": chosen[0], "bars": chosen[1], "sections": chosen[3],
                                "bar_coherence": chosen[2], "repeats": bool(repeats),
                                "tuned": bool(args.tune), "temperature": temperature}
        info_path.write_text(json.dumps(info, indent=1))
        refresh_card(args.model)
    print(f"wrote {args.model / fmt.LATENT_PRIOR}: groove spread x{chosen[0]:g}, bar variation x{chosen[1]:g}, "
          f"sections {_section(chosen[3])}, bar coherence {chosen[2]:g}"
          + (f"; samples matched best at temperature {temperature:g}" if temperature is not None else ""))
    return 0


def _section(scale: Optional[float]) -> str:
    return "with the bars" if scale is None else f"{scale:4.2f}"


if __name__ == "__main__":
    sys.exit(main())
