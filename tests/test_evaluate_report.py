"""`trainer evaluate` on a built dataset: the seed table, then the groove report with intervals, drummers and
the loop baselines, on the screen, in markdown and in JSON."""

import json

from midi_builders import drum_file, groove_notes, save
from trainer.__main__ import main as trainer_main
from trainer.dataset import build_dataset


def test_evaluate_reports_intervals_baselines_and_drummers(tiny_model, tmp_path, capsys):
    for i in range(60):  # 17-bar performances by two 'drummers', so there are 16-bar windows in every split
        save(drum_file(groove_notes(17, variant=i + 1), end_tick=17 * 1920), tmp_path / "midi" / f"drummer{i % 2}" / f"t{i}.mid")
    build_dataset(tmp_path / "midi", tmp_path / "data", progress=False)
    out, md = tmp_path / "scores.json", tmp_path / "report.md"
    assert trainer_main(["evaluate", "--model", str(tiny_model), "--data", str(tmp_path / "data"),
                         "--json", str(out), "--report", str(md)]) == 0
    printed = capsys.readouterr().out
    assert "loop most common bar" in printed and "95% intervals by file" in printed
    report = json.loads(out.read_text())[0]["report"]
    assert set(report["accuracy"]) == {"teacher-forced", "free-running", "loop first bar", "loop most common bar"}
    acc = report["accuracy"]["free-running"]
    assert acc["low"] <= acc["value"] <= acc["high"]
    assert set(report["per_drummer"]) <= {"drummer0", "drummer1"}
    assert report["hit_f1"]["loop first bar"]["kick"]["value"] > 0
    assert "distinct bars" in report["structure"] and md.read_text().startswith("## ")
