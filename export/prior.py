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
bars: inside the real interval; class rates: within 25% of the real rate), and the setting whose samples match
the most figures (ties: the smallest summed relative gap of the lag distances and of the diversity between
grooves) is written. The section scales are tried after the grid, at its best temperature, coherence and groove
spread, with its best bar scale and that scale's neighbours. The test split is never looked at.

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
from typing import Optional

import numpy as np

from drummachine.model import format as fmt

GROOVE_SCALES = (1.0, 0.8)
BAR_SCALES = (1.0, 0.6, 0.4, 0.3, 0.2, 0.15, 0.1)
SECTION_SCALES = (None, 0.3, 0.5, 0.8)  # None: the section change is one of the bars' variations (bar scale)
COHERENCES = (0.0, 0.9, 0.95, 0.98)


def sample_figures(engine, real, real_files, samples: int, temperature: float) -> dict:
    """figure -> (real estimate, sample mean, matches) for every figure, and the diversity of both."""
    from trainer.groove_report import sample_figure_rows
    from trainer.grooves import diversity
    from trainer.intervals import Estimate

    hits = np.stack([engine.sample(None, temperature, seed).pattern.hits for seed in range(samples)])
    out = {name: (row["real"], row["samples"].value, row["matches"])
           for name, row in sample_figure_rows(real, real_files, hits).items()}
    d = diversity(real)
    out["diversity"] = (Estimate(d, d, d), diversity(hits), False)
    return out


def score(figures: dict) -> tuple[int, float]:
    gaps = [abs(s - r.value) / r.value for name, (r, s, _) in figures.items()
            if name.startswith("lag") or name == "diversity"]
    return sum(ok for _, _, ok in figures.values()), -sum(gaps)


def main(argv: list[str] | None = None) -> int:
    from drummachine.model.engine import Engine
    from export.knobs import cached_training_codes
    from export.onnx_export import gaussian_of_codes, halves
    from trainer.dataset import load_windows
    from trainer.groove_report import grooves_of

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
    ap.add_argument("--tune", action="store_true",
                    help="pick both scales, the temperature and the bar coherence on the validation grooves")
    ap.add_argument("--temperatures", type=float, nargs="+", default=[0.0, 0.8, 1.0],
                    help="the temperatures tried with --tune (the best is recorded as the model's own)")
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--coherences", type=float, nargs="+", default=list(COHERENCES), help="tried with --tune")
    ap.add_argument("--groove-scales", type=float, nargs="+", default=list(GROOVE_SCALES), help="tried with --tune")
    ap.add_argument("--bar-scales", type=float, nargs="+", default=list(BAR_SCALES), help="tried with --tune")
    ap.add_argument("--section-scales", type=float, nargs="+",
                    help="tried with --tune, beside none (default: " + " ".join(f"{x:g}" for x in SECTION_SCALES[1:])
                         + ")")
    ap.add_argument("--codes-cache", type=Path, help="keep the training codes here (and read them from here)")
    args = ap.parse_args(argv)
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
        if not engine.model.config.get("bar_latent"):
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
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    real, files = grooves_of(valid.tokens.astype(np.int64)), valid.file_index

    def use(gs: float, bs: float, coherence: float, ss: Optional[float]):
        mean, chol = gaussian_of_codes(codes, engine.bars, gs, bs, section_scale=ss)
        engine.model = dataclasses.replace(engine.model, prior_mean=mean, prior_chol=chol, bar_coherence=coherence)
        return mean, chol

    chosen, temperature = (args.groove_scale, args.bar_scale, args.coherence, args.section_scale), None
    if args.tune:
        best = None

        def trial(t: float, coherence: float, gs: float, bs: float, ss: Optional[float]) -> dict:
            nonlocal best
            use(gs, bs, coherence, ss)
            figures = sample_figures(engine, real, files, args.samples, t)
            s = score(figures)
            lags = " ".join(f"{figures[f'lag {k} distance'][1]:5.2f}" for k in (1, 2, 4, 8))
            print(f"T {t:g} coherence {coherence:g} groove {gs:4.2f} bars {bs:4.2f} sections {_section(ss)}: "
                  f"{s[0]}/{len(figures) - 1} match, lag 1/2/4/8 {lags}, repeats {figures['repeat share'][1]:.3f}, "
                  f"diversity {figures['diversity'][1]:.2f}", flush=True)
            if best is None or s > best[0]:
                best = (s, (gs, bs, coherence, ss), t)
            return figures

        # first the grid with the section change among the bars' variations, then, at the best temperature,
        # coherence and groove spread, each section scale with the best bar scale and its neighbours on the grid
        for t in args.temperatures:
            for coherence in args.coherences if t > 0 else (0.0,):  # greedy decoding reads no random numbers
                for gs, bs in itertools.product(args.groove_scales, bar_scales):
                    figures = trial(t, coherence, gs, bs, None)
        (gs, bs, coherence, _), t = best[1], best[2]
        i = bar_scales.index(bs)
        for bs, ss in itertools.product(bar_scales[max(0, i - 1):i + 2], section_scales[1:]):
            figures = trial(t, coherence, gs, bs, ss)
        _, chosen, temperature = best
        real_figures = {k: v[0].value for k, v in figures.items()}  # the validation grooves': alike in every trial
        print("validation grooves: " + ", ".join(f"{k} {v:.3f}" for k, v in real_figures.items()))
    mean, chol = use(*chosen)
    np.savez(args.model / fmt.LATENT_PRIOR, mean=mean, chol=chol, bar_coherence=np.float64(chosen[2]))
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
                                + ")")
        if isinstance(info.get("files"), dict):  # the card adds these sizes up
            info["files"][fmt.LATENT_PRIOR] = (args.model / fmt.LATENT_PRIOR).stat().st_size
        info["prior_scales"] = {"groove": chosen[0], "bars": chosen[1], "sections": chosen[3],
                                "bar_coherence": chosen[2],
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
