"""The 4-corner pad in the studio, with the bundled model: corners from everywhere, the dot heard from the next
bar line (once through a real JACK server, read by an independent recorder), a path recorded and played back
over N bars, and the pad's state through the session file."""

import json
import time

import numpy as np
import pytest

from drummachine.groove.pad import PadPath, PadPoint
from drummachine.groove.pattern import Pattern
from drummachine.groove.take import Take
from drummachine.live.pad_source import PadSource
from drummachine.midi.clip import write_clip
from drummachine.model.engine import Engine
from drummachine.studio.pad import PadController
from drummachine.studio.session import Session
from drummachine.studio.studio import Studio
from jack_server import Recorder, jack_available
from test_studio import CountingPlayer  # a real player on no port that keeps the sources it is handed


@pytest.fixture(scope="module")
def engine():
    return Engine()  # the bundled model


@pytest.fixture
def studio(engine, tmp_path):
    s = Studio(engine, Session(), tmp_path / "config", api=None, make_player=CountingPlayer)
    yield s
    s.close()


def one_class(cls: int, steps=(0, 4, 8, 12), bars: int = 2) -> Pattern:
    """A groove of one instrument on the given steps of every bar."""
    v = np.zeros((bars, 16, 9), np.uint8)
    v[:, list(steps), cls] = 100
    return Pattern(v)


def fill_with_classes(studio, classes=(0, 1, 2, 8)) -> None:
    """Each corner a one-instrument groove (kick, snare, closed hat, ride), encoded by the model."""
    for corner, cls in enumerate(classes):
        studio.session.commit(Take(one_class(cls), label="edit"))
        studio.pad.fill_corner(corner, "current")


def test_corners_come_from_the_groove_a_sample_a_candidate_or_a_file_and_get_codes(studio, tmp_path):
    studio.session.commit(Take(one_class(1), label="edit"))
    assert studio.pad.fill_corner(0, "current")
    assert studio.pad.corners[0].pattern == one_class(1) and len(studio.pad.corners[0].z) == studio.engine.latent
    assert studio.pad.fill_corner(1, "sample")
    assert studio.pad.corners[1].label == "sample"
    studio.generate_candidates(2)
    studio.pad.fill_corner(2, "candidate", candidate=1)
    assert studio.pad.corners[2] is studio.candidates[1]
    assert not studio.pad.ready() and not studio.pad.set_live(True)
    assert studio.notice == "fill the pad's four corners first"
    write_clip([one_class(8)], tmp_path / "ride.mid")
    studio.pad.fill_corner(3, "file", tmp_path / "ride.mid")
    assert studio.pad.corners[3].label == "file" and studio.pad.corners[3].pattern.hits[..., 8].sum() == 8
    assert studio.pad.ready()
    studio.pad.fill_corner(3, "file", tmp_path / "missing.mid")
    assert "could not be read" in studio.notice and studio.pad.corners[3].label == "file"
    with pytest.raises(ValueError, match="comes from current, sample, file, candidate"):
        studio.pad.fill_corner(0, "dream")
    with pytest.raises(ValueError, match="corners are 1 to 4"):
        studio.pad.fill_corner(4, "current")


def test_on_a_corner_the_pad_plays_that_corners_own_groove(studio):
    fill_with_classes(studio)
    studio.set_feel(amount=0.0)
    source = studio.pad.sounding()[1]()
    for corner, cls in enumerate((0, 1, 2, 8)):
        studio.pad.move(*[(0, 0), (1, 0), (0, 1), (1, 1)][corner])
        source = studio.pad.sounding()[1]()
        assert source.bar(3) == one_class(cls, bars=1)


def test_a_position_always_sounds_the_same_and_the_middle_is_a_mix(studio):
    fill_with_classes(studio)
    studio.pad.move(0.5, 0.5)
    a = studio.pad.performance(4)
    b = studio.pad.performance(4)
    assert a == b and a.bars == 4
    z = studio.pad.code()
    assert z.shape == (studio.engine.latent,) and z.dtype == np.float32
    assert not any(np.allclose(z, c.code) for c in studio.pad.corners)
    # between four sampled grooves the middle is a groove too (between one-instrument corners, the bundled
    # model's greedy decode of the middle may be silence: no groove in the data sounds like that mix)
    assert studio.pad.fill_corner(0, "sample") and studio.pad.corners[0].label == "sample"
    for corner, seed in enumerate((11, 12, 13, 14)):  # seeded: a new sample's random seed made this flaky
        studio.pad.set_corner(corner, studio.engine.sample(None, 1.0, seed))
    assert studio.pad.performance(4).hits.sum() > 4 * 8


def test_while_the_pad_plays_each_move_is_handed_to_the_player_for_the_next_bar_line(studio):
    fill_with_classes(studio)
    player = studio.ensure_player()
    studio.pad.move(0.2, 0.2)  # the pad is not on: the groove plays on, untouched
    handed = len(player.sources)
    studio.morph_live = True
    assert studio.pad.set_live(True) and not studio.morph_live  # the pad plays in place of the groove, not both
    assert isinstance(player.sources[-1], PadSource) and len(player.sources) == handed + 1
    assert player.sources[-1].positions == ((0.2, 0.2),)
    studio.pad.move(0.7, 0.4)
    assert player.sources[-1].positions == ((0.7, 0.4),) and len(player.sources) == handed + 2
    studio.show_bar(1)  # a redraw is no move
    assert len(player.sources) == handed + 2
    assert studio.pad.set_live(False) and not isinstance(player.sources[-1], PadSource)


def test_a_path_recorded_while_dragging_plays_back_stretched_over_n_bars(engine, tmp_path):
    clock = iter([0.0, 2.0, 4.0, 6.0])  # seconds: at 120 BPM one bar apart
    s = Studio(engine, Session(), tmp_path, api=None, make_player=CountingPlayer)
    try:
        s.pad = PadController(s, now=lambda: next(clock))
        fill_with_classes(s)
        assert not s.pad.play_path(True) and s.notice == "record a path on the pad first"
        s.pad.record(True)
        for x, y in [(0, 0), (1, 0), (1, 1), (0, 1)]:
            s.pad.move(x, y)
        path = s.pad.record(False)
        assert path.points == (PadPoint(0, 0, 0), PadPoint(1, 1, 0), PadPoint(2, 1, 1), PadPoint(3, 0, 1))
        s.pad.set_path_bars(7)
        assert s.pad.play_path(True) and s.pad.live
        assert s.pad.positions() == ((0, 0), (0.5, 0), (1, 0), (1, 0.5), (1, 1), (0.5, 1), (0, 1))
        s.set_feel(amount=0.0)
        played = s.pad.performance()
        assert played.bars == 7  # one pass of the path
        for bar, cls in [(0, 0), (2, 1), (4, 8), (6, 2)]:  # the bars on corners: their own grooves
            assert played.bar_slice(bar, bar + 1) == one_class(cls, bars=1)
        player = s.ensure_player()
        assert player.sources[-1].positions == s.pad.positions()
        with pytest.raises(ValueError, match="path bars must be between 1 and 64"):
            s.pad.set_path_bars(0)
    finally:
        s.close()


def test_keep_makes_the_groove_at_the_dot_the_groove(studio):
    fill_with_classes(studio)
    studio.pad.move(0.3, 0.6)
    before = studio.pattern
    assert studio.pad.keep()
    take = studio.session.take
    assert take.label == "pad" and np.allclose(take.code, studio.pad.code()) and take.pattern.bars == 2
    assert studio.undo() and studio.pattern == before


def test_corners_dot_and_path_go_through_the_session_file_as_plain_data(studio, engine, tmp_path):
    fill_with_classes(studio)
    studio.pad.move(0.25, 0.75)
    studio.pad.set_path(PadPath.through([(0, 0), (1, 1)]))
    studio.pad.set_path_bars(16)
    data = json.loads(json.dumps(studio.session.pad))  # what the session file holds
    session = Session()
    session.pad = data
    again = Studio(engine, session, tmp_path, api=None)
    try:
        pad = again.pad
        assert [c.pattern for c in pad.corners] == [c.pattern for c in studio.pad.corners]
        assert [c.z for c in pad.corners] == [c.z for c in studio.pad.corners]
        assert (pad.position, pad.path, pad.path_bars) == ((0.25, 0.75), studio.pad.path, 16)
    finally:
        again.close()


def test_a_damaged_pad_is_repaired_and_codes_of_another_model_are_made_again(engine, tmp_path):
    good = Studio(engine, Session(), tmp_path, api=None)
    fill_with_classes(good)
    data = json.loads(json.dumps(good.pad.to_dict()))
    good.close()
    data["corners"][1]["z"] = [0.5] * 7  # a code from a model with another latent size
    data["position"] = [3, 0]
    data["path"] = {"points": [[1, 0, 0], [0, 0, 0]]}
    data["path_bars"] = 500
    session = Session()
    session.pad = data
    s = Studio(engine, session, tmp_path, api=None)
    try:
        assert len(s.pad.corners[1].z) == engine.latent and s.pad.ready()  # encoded again from its groove
        assert s.pad.position == (0.5, 0.5) and len(s.pad.path) == 0 and s.pad.path_bars == 64
        assert "dot was off the pad" in s.notice and "path was dropped" in s.notice
    finally:
        s.close()


@pytest.mark.skipif(not jack_available(), reason="jackd not installed")
def test_a_move_while_playing_is_heard_from_the_next_bar_line_through_jack(jack, engine, tmp_path):
    """Through a real JACK server, read by an independent recorder: the dot on the kick corner, moved to the
    snare corner halfway through the second bar; the second bar still plays its four kicks, the snare comes in
    exactly on the third bar line."""
    s = Studio(engine, Session(), tmp_path, api="jack")
    try:
        fill_with_classes(s)
        s.set_feel(amount=0.0)
        s.set_transport(bpm=150)  # a bar is 1.6 s, a step 100 ms
        s.pad.move(0, 0)
        s.ensure_player()
        rec = Recorder(tmp_path)
        try:
            assert s.pad.set_live(True)
            s.play()
            time.sleep(1.6 * 1.5)  # halfway through the second bar
            s.pad.move(1, 0)
            time.sleep(1.6 * 2.5)
            s.stop()
            time.sleep(0.2)
        finally:
            got = rec.stop()
    finally:
        s.close()
    ons = [(m["t_ns"], m["msg"][1]) for m in got if m["msg"][0] == 0x99 and m["msg"][2] > 0]
    kicks = [t for t, p in ons if p == 36]
    snares = [t for t, p in ons if p == 38]
    assert len(kicks) == 8, "the first two bars: four kicks each, and no more"
    bar_line_3 = kicks[0] + 2 * 1_600_000_000
    assert abs(snares[0] - bar_line_3) / 1e6 < 6  # ms: two JACK periods of jitter under load
    assert all(k < bar_line_3 for k in kicks) and len(snares) >= 8


def pad_command(argv: list[str]) -> int:
    """`drummachine pad ...` as cli.main runs it (registered the way the report asks cli.py to)."""
    from drummachine.cli import _Parser
    from drummachine.cli_pad import add_pad_command

    ap = _Parser(prog="drummachine", exit_on_error=False)
    add_pad_command(ap.add_subparsers(dest="command", parser_class=_Parser))
    args = ap.parse_args(argv)
    return args.run(args)


def test_the_pad_on_the_command_line_writes_the_path_as_one_clip(tmp_path, capsys):
    from drummachine.midi.reader import read_drum_midi

    write_clip([one_class(0)], tmp_path / "kick.mid")
    write_clip([one_class(1)], tmp_path / "snare.mid")
    out = tmp_path / "pad.mid"
    assert pad_command(["pad", str(tmp_path / "kick.mid"), str(tmp_path / "snare.mid"), "7", "12",
                        "--shape", "square", "--bars", "5", "--feel", "0", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    played = read_drum_midi(out).as_pattern()
    assert played.bars == 5
    assert played.bar_slice(0, 1).hits.tolist() == one_class(0, bars=1).hits.tolist()  # square: corner 1 first,
    assert played.bar_slice(1, 2).hits.tolist() == one_class(1, bars=1).hits.tolist()  # then 2, 4, 3, 1
    assert played.bar_slice(4, 5).hits.tolist() == one_class(0, bars=1).hits.tolist()
    again = tmp_path / "again.mid"
    pad_command(["pad", str(tmp_path / "kick.mid"), str(tmp_path / "snare.mid"), "7", "12", "--path",
                 "0.5,0.5 0.5,0.5", "--bars", "3", "-o", str(again)])
    assert read_drum_midi(again).as_pattern().bars == 3
    with pytest.raises(ValueError, match="not '2,0'"):
        pad_command(["pad", "7", "8", "9", "10", "--path", "2,0", "-o", str(again)])


def test_the_pad_is_saved_with_the_session_and_comes_back_with_it(studio, engine, tmp_path):
    fill_with_classes(studio)
    studio.pad.move(0.25, 0.75)
    assert studio.unsaved and studio.save()
    loaded, notice = Session.load(tmp_path / "config")
    assert notice == ""
    again = Studio(engine, loaded, tmp_path / "config", api=None)
    try:
        assert [c.pattern for c in again.pad.corners] == [c.pattern for c in studio.pad.corners]
        assert again.pad.position == (0.25, 0.75) and again.pad.ready()
    finally:
        again.close()


def test_while_the_pad_plays_the_grid_shows_its_bar_and_a_clip_holds_what_it_plays(studio):
    fill_with_classes(studio)
    studio.set_feel(amount=0.0)
    studio.pad.move(0, 0)  # on the kick corner: its own 2-bar groove
    assert studio.step_sounded(5, 3).pad == ""  # the pad is not on: the groove's bar
    assert studio.pad.set_live(True)
    head = studio.step_sounded(5, 3)
    assert (head.pad, head.bar, head.step) == ("pad", 1, 3)
    assert studio.pad.bar(5) == one_class(0, bars=1)
    assert studio.clip_patterns() == [studio.pad.performance()] and studio.clip_patterns()[0].bars == 2
    studio.pad.set_path(PadPath.through([(0, 0), (1, 0)]))
    studio.pad.set_path_bars(4)
    assert studio.pad.play_path(True)
    assert studio.step_sounded(2, 0).pad == "pad path bar 3/4"
    assert studio.clip_patterns()[0].bars == 4  # one pass of the path


def test_the_live_morph_and_the_pad_take_turns(studio):
    fill_with_classes(studio)
    studio.fill_slot("A", "current")
    studio.fill_slot("B", "sample")
    assert studio.pad.set_live(True)
    assert studio.set_morph_live(True) and not studio.pad.live
    assert studio.pad.set_live(True) and not studio.morph_live
