"""The model card shipped beside the ONNX graphs, written from the facts the export already holds."""

from __future__ import annotations

from drummachine.model import format as fmt

GMD_CITATION = ('Jon Gillick, Adam Roberts, Jesse Engel, Douglas Eck, David Bamman, "Learning to Groove with Inverse '
                'Sequence Transformations", ICML 2019')


def train_command(model: dict, train: dict) -> str:
    return (f"python -m trainer train --model {model['model']} --bars {model['bars']} --data data/gmd "
            f"--out runs/{model['model']}{model['bars']} --batch {train['batch']} --steps {train['steps']} "
            f"--lr {train['lr']} --lr-decay {train['lr_decay']} --free-bits {train['free_bits']:g} "
            f"--max-beta {train['max_beta']} --beta-rate {train['beta_rate']} --sampling {train['sampling']} "
            + (f"--sampling-p {train['sampling_p']:g} " if train.get("sampling") == "fixed" else
               f"--sampling-rate {train['sampling_rate']:g} ") + f"--seed {train['seed']}"
            + (f" --word-dropout {train['word_dropout']:g}" if train.get("word_dropout") else "")
            + (f" --context-dropout {train['context_dropout']:g}" if train.get("context_dropout") else "")
            + (f" --part-mix {train['part_mix']:g}" if train.get("part_mix") else "")
            + (f" --part-layers {train['part_layers']}" if train.get("part_mix")
               and train.get("part_layers", "hats") != "hats" else "")
            + (f" --weight-decay {train['weight_decay']:g}" if train.get("weight_decay") else "")
            + (f" --dropout {model['dropout']:g}" if model.get("dropout") else "")
            + (" --bar-context" if model.get("bar_context") else "")
            + (f" --bar-latent {model['bar_latent']}" if model.get("bar_latent") else "")
            + (" --class-factors" if model.get("class_factors") else ""))


CLASS_FACTORS = (" Its token layers also learn each drum class on its own: a token's embedding adds a vector for each "
                 "class it plays, and its logit a score for each.")


def continued_lines(continued: dict | None) -> list[str]:
    """Where a run that went on from another's checkpoint (`--continue-from`) took its first steps from."""
    lines = []
    while continued:
        tc = continued.get("train_config") or {}
        lines.append(f"- continued from `{continued['checkpoint']}` at step {continued['step']}, whose steps ran with "
                     f"--sampling {tc.get('sampling', '?')} --batch {tc.get('batch', '?')} --lr {tc.get('lr', '?')}")
        continued = continued.get("continued_from")
    return lines


def architecture(cfg: dict) -> str:
    """One sentence on how the model is built."""
    if cfg.get("bar_latent"):
        return (f"A code per bar: a bidirectional LSTM encoder reads each bar alone into {cfg['bar_latent']} numbers, "
                f"the groove's {cfg['latent']}-dimensional code is its {cfg['bars']} bar codes side by side, and a bar "
                "decoder LSTM plays each bar from its own code. The bars hang together through the prior codes are "
                "drawn from (a Gaussian fitted to whole training windows' codes, whose bar codes correlate as the "
                "data's bars do)." + CLASS_FACTORS * bool(cfg.get("class_factors")))
    return ("MusicVAE's hierarchical design: a bidirectional LSTM encoder "
            + ("over each bar, then over the bars" if cfg["hierarchical_encoder"] else "over the steps")
            + f", a {cfg['latent']}-dimensional latent code, a conductor LSTM making one embedding per bar, and a "
            "bar decoder LSTM that plays each bar from its embedding"
            + (" and, step by step, the bar before it." if cfg.get("bar_context") else " alone.")
            + CLASS_FACTORS * bool(cfg.get("class_factors")))


def model_card(info: dict) -> str:
    cfg, training, ev = info["model_config"], info["training"], info.get("evaluation") or {}
    tc = training.get("train_config") or {}
    data = training.get("data") or {}
    windows = (data.get("windows") or {}).get(str(cfg["bars"]), {})
    size_mb = sum(info["files"].values()) / 1e6
    lines = [
        f"# drummachine model: hierarchical VAE, {cfg['bars']} bars",
        "",
        "Generates drum grooves of 1 to 16 bars of 16 steps over 9 drum classes (kick, snare, closed hat, open hat,",
        "low/mid/high tom, crash, ride). " + architecture(cfg),
        "",
        "## Sizes",
        f"- embedding {cfg['embed']}, encoder {cfg['encoder_size']} per direction x {cfg['encoder_layers']} layers, "
        f"latent {cfg['latent']}, conductor {cfg['conductor_size']} x {cfg['conductor_layers']}, "
        f"bar decoder {cfg['decoder_size']} x {cfg['decoder_layers']}",
        f"- {training.get('parameters') or 0:,} parameters; ONNX files {size_mb:.1f} MB in all "
        f"({', '.join(f'{n} {s / 1e6:.1f} MB' for n, s in info['files'].items())})",
        "",
        "## Training",
        f"- data: the Groove MIDI Dataset, train split ({(data.get('files_per_split') or {}).get('train', '?')} files, "
        f"{(data.get('bars') or {}).get('train', '?')} bars of 4/4, "
        f"{(windows.get('train') or {}).get('windows', '?')} distinct {cfg['bars']}-bar windows at a hop of one bar)",
        f"- command: `{train_command(cfg, tc)}`" if tc else "- command: not recorded",
        *continued_lines(training.get("continued_from")),
        *([f"- {info['training_note']}"] if info.get("training_note") else []),
        f"- {training.get('steps')} steps of batch {tc.get('batch', '?')}, {(training.get('seconds') or 0) / 3600:.2f} h "
        f"of training time on {training.get('hardware', '?')}",
        "",
        f"- latent prior for sampling: {info.get('latent_prior', 'standard normal')}. A VAE's codes need not lie",
        "  where N(0, I) puts them (the KL term acts only above the free bits), so codes are drawn from where the",
        "  training codes lie: drawing from N(0, I) gives grooves unlike the data's.",
        "",
        "## Held-out accuracy",
    ]
    def fig(key: str, spec: str) -> str:
        return format(ev[key], spec) if ev.get(key) is not None else "?"

    if ev:
        lines += [
            f"On our test split ({ev.get('windows')} windows from GMD train files held out by a hash of their path, "
            "never used for training or tuning), per-step token accuracy with z = mu:",
            "",
            "| teacher-forced | free-running | KL per sequence (nats) | active latent dimensions |",
            "|---|---|---|---|",
            f"| {fig('teacher_forced_accuracy', '.4f')} | {fig('free_running_accuracy', '.4f')} | "
            f"{fig('kl_per_sequence', '.1f')} | {fig('active_dims', 'd')}/{fig('latent', 'd')} |",
        ]
        report = ev.get("report") or {}
        if report.get("accuracy"):
            est = lambda e: f"{e['value']:.3f} [{e['low']:.3f}, {e['high']:.3f}]"  # noqa: E731
            f1 = report.get("hit_f1", {})
            lines += ["", f"With 95% intervals from resampling the {report['files']} held-out files, beside looping one "
                      "bar of the same window (hit F1 on the free-running rebuilds):", "",
                      "| predictor | accuracy | F1 kick | F1 snare | F1 closed hat |", "|---|---|---|---|---|"]
            for key, e in report["accuracy"].items():
                row = f1.get(key, {})
                lines.append(f"| {key} | {est(e)} | " + " | ".join(est(row[c]) if c in row else "-"
                                                                 for c in ("kick", "snare", "closed hat")) + " |")
            margin = report.get("margin_over_most_common_bar", {})
            lines += [""] + [f"- {k} minus 'loop most common bar': {est(v)}" for k, v in margin.items()]
    else:
        lines.append("Not evaluated at export.")
    if info.get("previous_model"):
        lines += ["", "## Against the previous bundled model"] + [f"- {line}" for line in info["previous_model"]]
    lines += fit_lines(info) + feel_lines(info.get("feel")) + knob_lines(info.get("knobs")) + fill_lines(info.get("fills"))
    parity = info.get("parity") or {}
    lines += [
        "",
        "## Export",
        f"Format {fmt.FORMAT_VERSION}: {', '.join(fmt.GRAPH_FILES)}. onnxruntime matches torch within "
        f"{parity.get('max_abs', float('nan')):.1e} (tolerance {parity.get('tolerance', 1e-4):.0e}); greedy "
        f"{parity.get('decoded_bars', cfg['bars'])}-bar decodes identical: {parity.get('greedy_decodes_identical')}.",
        "",
        "## Data licence and citation",
        f"Trained on the Groove MIDI Dataset, CC BY 4.0: {GMD_CITATION}. Model design after Roberts et al., "
        '"A Hierarchical Latent Vector Model for Learning Long-Term Structure in Music" (MusicVAE), ICML 2018, '
        'and "Artificially Generating Percussive Tracks".',
        "",
        "## Limits",
        "- Trained on 12 hours of 10 drummers on one electronic kit, mostly rock, funk, latin and jazz; the VAE sees",
        "  hits quantised to a 16th grid" + ("; the feel model adds velocity and timing." if info.get("feel") else
                                             ", and velocities are not modelled (the app accents hits)."),
        "- A small CPU-trained model: see docs/RESULTS.md for how it compares with the targets of the seed paper.",
    ]
    return "\n".join(lines) + "\n"


def fit_lines(info: dict) -> list[str]:
    """The card's section on fitting a groove's code to the groove (bar_fit.onnx), with its held-out figures."""
    if fmt.BAR_FIT not in (info.get("files") or {}):
        return []
    lines = ["", f"## Codes fitted to the groove ({fmt.BAR_FIT})",
             "The encoder's code for a groove is a one-pass guess. The app fits it to the groove it encodes (a "
             "pattern from a file or an edit, a pad corner; a morph's plan keeps the encoder's codes): Adam steps "
             "on each bar's likelihood under its own code, with the gradient from this graph, held near the "
             "encoder's code (drummachine/model/code_fit.py). Graph against torch: relative difference "
             f"{(info.get('parity') or {}).get('bar_fit_max_rel', float('nan')):.1e}."]
    fit = info.get("code_fit") or {}
    est = lambda e: f"{e['value']:.3f} [{e['low']:.3f}, {e['high']:.3f}]"  # noqa: E731
    for split, ev in (fit.get("evaluation") or {}).items():
        paired = ev.get("paired") or {}
        acc = ev.get("accuracy") or {}
        lines += ["", f"On the {split} split ({ev.get('windows')} windows, {ev.get('files')} files; "
                  f"{fit.get('steps')} steps): the rebuild's figure with the fitted code, and the change from the "
                  "encoder's code on the same windows (95% intervals by file):", "",
                  "| figure | fitted | fitted minus the encoder's |", "|---|---|---|"]
        lines += [f"| {k} | {est(acc[k]) if k in acc else '-'} | {est(v)} |" for k, v in paired.items()]
    return lines


def feel_lines(feel: dict | None) -> list[str]:
    """The feel model's section of the card: what it is, how it was trained, how it scored."""
    if not feel:
        return []
    cfg, tr = feel["config"], feel["training"]
    lines = ["", "## Feel (feel.onnx)",
             "Velocity and timing for the hits the VAE plays, learned from the drummers' own (after GrooVAE, hits as "
             f"controls): a bidirectional GRU ({cfg['hidden']} per direction) reads two bars of hits"
             + (" and the tempo" if cfg.get("tempo") else "") + f" with a {cfg['latent']}-dimensional code and gives "
             "each hit a velocity and an offset of up to half a step.",
             f"- {tr.get('steps')} steps, {(tr.get('seconds') or 0) / 60:.0f} min on a 2-core CPU, "
             f"{tr.get('parameters') or 0:,} parameters, loss {cfg.get('loss', 'mse')}"]
    ev = (feel.get("evaluation") or {}).get("predictors") or {}
    if ev:
        lines += ["", "On our held-out test files (95% intervals from resampling files), velocity MAE in MIDI units and "
                  "timing MAE in ms at each file's tempo:", "", "| predictor | velocity MAE | timing MAE |", "|---|---|---|"]
        for name, e in ev.items():
            sc = e.get("score")
            if sc:
                f = lambda d: f"{d['value']:.2f} [{d['low']:.2f}, {d['high']:.2f}]"  # noqa: E731
                lines.append(f"| {name} | {f(sc['velocity_mae'])} | {f(sc['timing_mae_ms'])} |")
    return lines


def knob_lines(knobs: dict | None) -> list[str]:
    if not knobs:
        return []
    return ["", "## Knobs (knobs.npz)",
            f"Directions in the code space for {', '.join(knobs['names'])}, made from the codes of "
            f"{knobs['windows']} training windows ({knobs['method']}); measured in docs/RESULTS.md (bench/knobs.py)."]


def fill_lines(fills: dict | None) -> list[str]:
    if not fills:
        return []
    return ["", "## Fills (fills.npz)",
            f"Directions in the bar-code space from the training beat bars ({fills['beat_bars']}) to the drummers' fills "
            f"({fills['fill_bars']} bars of GMD fill files) and to the bars after a fill inside the beats "
            f"({fills['landing_bars']}); measured in docs/RESULTS.md (bench/fills.py)."]


def refresh_card(folder) -> None:
    """Write the folder's MODEL_CARD.md again from its model.json (after feel or knobs were added)."""
    import json
    from pathlib import Path

    info = json.loads((Path(folder) / fmt.INFO).read_text())
    (Path(folder) / fmt.CARD).write_text(model_card(info))
