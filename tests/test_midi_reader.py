import mido
import numpy as np
import pytest

from drummachine.midi.reader import MidiReadError, read_drum_midi
from midi_builders import drum_file, groove_notes, raw_smf, save, varint

KICK, SNARE, HAT = 0, 1, 2
END = b"\x00\xff\x2f\x00"  # end of track


def test_reads_a_plain_groove_onto_the_grid(tmp_path):
    take = read_drum_midi(save(drum_file(groove_notes(2)), tmp_path / "g.mid"))
    assert len(take.spans) == 1
    p = take.spans[0]
    assert p.bars == 2
    assert p.velocities[0, 0, KICK] == 110 and p.velocities[0, 8, KICK] == 100
    assert p.velocities[1, 4, SNARE] == 120 and p.velocities[1, 12, SNARE] == 118
    assert p.hits[:, ::2, HAT].all() and not p.hits[:, 1::2, HAT].any()
    assert take.bpm == pytest.approx(120.0)
    assert take.onsets == 2 * 12


def test_off_grid_hits_go_to_the_nearest_16th(tmp_path):
    # 480 ticks per beat: a 16th is 120 ticks. 59 ticks late stays, 61 ticks late moves on, 50 early moves back.
    notes = [(120 + 59, 38, 100), (480 + 61, 36, 100), (960 - 50, 42, 100)]
    p = read_drum_midi(save(drum_file(notes, end_tick=1920), tmp_path / "o.mid")).spans[0]
    assert np.argwhere(p.hits[0]).tolist() == [[1, SNARE], [5, KICK], [8, HAT]]


def test_a_hit_just_before_the_bar_line_lands_on_the_next_bar(tmp_path):
    p = read_drum_midi(save(drum_file([(0, 36, 90), (1920 - 10, 38, 90)]), tmp_path / "b.mid")).spans[0]
    assert p.bars == 2
    assert p.hits[1, 0, SNARE] and not p.hits[0, 15, SNARE]


def test_two_onsets_on_one_step_merge_to_the_louder(tmp_path):
    notes = [(0, 38, 40), (20, 40, 110), (480, 36, 70), (480, 36, 90)]  # 40 is a snare rimshot
    take = read_drum_midi(save(drum_file(notes, end_tick=1920), tmp_path / "m.mid"))
    p = take.spans[0]
    assert p.velocities[0, 0, SNARE] == 110 and p.velocities[0, 4, KICK] == 90
    assert take.merged_onsets == 2


@pytest.mark.parametrize("tpb", [96, 97, 480, 960, 1001])
def test_any_ticks_per_beat_gives_the_same_pattern(tmp_path, tpb):
    notes = [(round(t * tpb / 480), pitch, vel) for t, pitch, vel in groove_notes(2)]
    p = read_drum_midi(save(drum_file(notes, ticks_per_beat=tpb, end_tick=8 * tpb), tmp_path / "t.mid")).spans[0]
    ref = read_drum_midi(save(drum_file(groove_notes(2), end_tick=3840), tmp_path / "r.mid")).spans[0]
    assert p.on_grid() == ref
    assert np.abs(p.timing).max() <= 0.5 / (tpb / 4)  # off the grid by the rounding to a tick alone


def test_tempo_changes_do_not_move_the_grid(tmp_path):
    plain = read_drum_midi(save(drum_file(groove_notes(4)), tmp_path / "a.mid"))
    ramp = read_drum_midi(save(drum_file(groove_notes(4), tempos=[(1920, 90.0), (3840, 160.0)]), tmp_path / "b.mid"))
    assert ramp.spans == plain.spans
    assert ramp.bpm == pytest.approx(120.0)


def test_a_3_4_stretch_splits_the_file_into_4_4_spans(tmp_path):
    # bars: 0-1 in 4/4 (2 x 1920), then two bars of 3/4 (2 x 1440), then 4/4 again for 3 bars
    notes = [(t, 36, 100) for t in (0, 1920)]
    notes += [(3840, 38, 100), (3840 + 1440, 38, 100)]
    notes += [(6720 + b * 1920, 42, 100) for b in range(3)]
    mid = drum_file(notes, signatures=[(0, 4, 4), (3840, 3, 4), (6720, 4, 4)], end_tick=6720 + 3 * 1920)
    take = read_drum_midi(save(mid, tmp_path / "s.mid"))
    assert [s.bars for s in take.spans] == [2, 3]
    assert take.spans[0].hits[:, 0, KICK].all() and take.spans[1].hits[:, 0, HAT].all()
    assert take.outside_4_4_onsets == 2


def test_a_signature_change_mid_bar_cuts_that_bar(tmp_path):
    notes = [(0, 36, 100), (1920, 36, 100), (1920 + 960, 36, 100)]
    mid = drum_file(notes, signatures=[(0, 4, 4), (1920 + 960, 4, 4)], end_tick=1920 + 960 + 1920)
    take = read_drum_midi(save(mid, tmp_path / "c.mid"))
    assert [s.bars for s in take.spans] == [1, 1]  # the half bar between them is dropped


def test_type_0_files_read_like_type_1(tmp_path):
    a = read_drum_midi(save(drum_file(groove_notes(2), midi_type=0), tmp_path / "a.mid"))
    b = read_drum_midi(save(drum_file(groove_notes(2), midi_type=1), tmp_path / "b.mid"))
    assert a.spans == b.spans


def test_notes_off_channel_10_are_not_drums(tmp_path):
    with pytest.raises(MidiReadError) as err:
        read_drum_midi(save(drum_file(groove_notes(1), channel=0), tmp_path / "piano.mid"))
    assert err.value.reason == "no_drums"
    assert "channel 10" in str(err.value)


def test_an_all_3_4_file_is_refused(tmp_path):
    mid = drum_file([(0, 36, 100), (1440, 36, 100)], signatures=[(0, 3, 4)])
    with pytest.raises(MidiReadError) as err:
        read_drum_midi(save(mid, tmp_path / "waltz.mid"))
    assert err.value.reason == "not_4_4"


def test_an_absurd_tempo_is_refused(tmp_path):
    with pytest.raises(MidiReadError) as err:
        read_drum_midi(save(drum_file(groove_notes(1), bpm=1000.0), tmp_path / "fast.mid"))
    assert err.value.reason == "absurd_tempo"


def test_a_file_with_empty_tracks_is_refused(tmp_path):
    mid = mido.MidiFile(type=1)
    mid.tracks.append(mido.MidiTrack())
    with pytest.raises(MidiReadError) as err:
        read_drum_midi(save(mid, tmp_path / "empty.mid"))
    assert err.value.reason == "empty"


def test_a_text_file_named_mid_is_refused(tmp_path):
    path = tmp_path / "notes.mid"
    path.write_text("not music")
    with pytest.raises(MidiReadError) as err:
        read_drum_midi(path)
    assert err.value.reason == "not_midi"


@pytest.mark.parametrize("cut", [14, 30, 60])
def test_truncated_files_are_refused_as_corrupt(tmp_path, cut):
    good = save(drum_file(groove_notes(2)), tmp_path / "good.mid").read_bytes()
    bad = tmp_path / "bad.mid"
    bad.write_bytes(good[: len(good) - cut])
    with pytest.raises(MidiReadError) as err:
        read_drum_midi(bad)
    assert err.value.reason == "corrupt"


def test_garbage_after_the_header_is_refused_as_corrupt(tmp_path):
    good = save(drum_file(groove_notes(2)), tmp_path / "good.mid").read_bytes()
    bad = tmp_path / "bad.mid"
    bad.write_bytes(good[:22] + bytes(range(250, 256)) * 20)
    with pytest.raises(MidiReadError) as err:
        read_drum_midi(bad)
    assert err.value.reason == "corrupt"


def test_a_missing_file_is_a_read_error(tmp_path):
    with pytest.raises(MidiReadError) as err:
        read_drum_midi(tmp_path / "nope.mid")
    assert err.value.reason == "unreadable"


def refusal(path):
    with pytest.raises(MidiReadError) as err:
        read_drum_midi(path)
    assert str(err.value).startswith(f"{path}: "), "every message names the file"
    return err.value


def test_notes_thousands_of_bars_apart_land_in_their_bars(tmp_path):
    # a delta of 9,600,000 ticks takes a 4-byte variable-length number
    track = b"\x00\x99\x24\x64" + varint(5000 * 1920) + b"\x99\x26\x50" + END
    path = tmp_path / "far.mid"
    path.write_bytes(raw_smf([track]))
    p = read_drum_midi(path).as_pattern()
    assert p.bars == 5001
    assert np.argwhere(p.hits).tolist() == [[0, 0, KICK], [5000, 0, SNARE]]


def test_running_status_reads_like_full_messages(tmp_path):
    # one note-on status, then three more note-ons as bare data; a velocity of 0 is a note-off
    track = b"\x00\x99\x24\x64" + b"\x00\x24\x00" + b"\x83\x60\x26\x70" + b"\x83\x60\x2a\x50" + END
    path = tmp_path / "running.mid"
    path.write_bytes(raw_smf([track]))
    p = read_drum_midi(path).spans[0]
    assert np.argwhere(p.hits[0]).tolist() == [[0, KICK], [4, SNARE], [8, HAT]]


def test_a_chunk_of_unknown_type_is_skipped(tmp_path):
    track = b"\x00\x99\x24\x64" + END
    data = raw_smf([track], track_count=1)
    head, rest = data[:14], data[14:]
    path = tmp_path / "alien.mid"
    path.write_bytes(head + b"XFIH" + (3).to_bytes(4, "big") + b"abc" + rest)
    assert read_drum_midi(path).spans[0].hits[0, 0, KICK]


def test_an_over_long_delta_time_is_refused_at_once(tmp_path):
    # 400,000 continuation bytes: mido took 17 s over this and then raised OverflowError
    path = tmp_path / "huge.mid"
    path.write_bytes(raw_smf([b"\x00\x99\x24\x64" + b"\xff" * 400_000 + b"\x7f\x99\x26\x64" + END]))
    err = refusal(path)
    assert err.reason == "corrupt"
    assert "track 1: a delta time at byte 4 runs over 4 bytes" in str(err)


def test_timing_past_100000_bars_is_refused_naming_the_file(tmp_path):
    track = b"\x00\x99\x24\x64" + (b"\xff\xff\xff\x7f\xff\x01\x00" * 2) + END  # 2 x 0x0FFFFFFF ticks
    path = tmp_path / "endless.mid"
    path.write_bytes(raw_smf([track]))
    err = refusal(path)
    assert err.reason == "corrupt" and "more than 100,000 bars" in str(err)


def test_a_header_only_file_says_what_is_missing(tmp_path):
    path = tmp_path / "header.mid"
    path.write_bytes(raw_smf([], track_count=1))
    err = refusal(path)
    assert err.reason == "corrupt"
    assert str(err).endswith("the header promises 1 track and the file ends after 0")


def test_a_truncated_file_says_which_track_is_cut_short(tmp_path):
    good = save(drum_file(groove_notes(2)), tmp_path / "good.mid").read_bytes()
    path = tmp_path / "cut.mid"
    path.write_bytes(good[:-30])
    assert "track 2 is cut short: its chunk says" in str(refusal(path))


def test_an_event_running_past_its_chunk_is_refused(tmp_path):
    path = tmp_path / "overrun.mid"
    path.write_bytes(raw_smf([b"\x00\x99\x24\x64" + b"\x00\x99\x26"]))  # the last note-on lacks its velocity
    assert "track 1: the last event runs past the end of the track's 7 bytes" in str(refusal(path))


@pytest.mark.parametrize("midi_type", [3, 255, 65535])
def test_a_header_format_other_than_0_1_2_is_refused(tmp_path, midi_type):
    path = tmp_path / "format.mid"
    path.write_bytes(raw_smf([b"\x00\x99\x24\x64" + END], midi_type=midi_type))
    err = refusal(path)
    assert err.reason == "corrupt" and f"header format {midi_type}" in str(err)


def test_smpte_timing_is_refused_as_unsupported(tmp_path):
    path = tmp_path / "smpte.mid"
    path.write_bytes(raw_smf([b"\x00\x99\x24\x64" + END], ticks_per_beat=0xE250))  # -30 fps, 80 ticks a frame
    err = refusal(path)
    assert err.reason == "unsupported_type" and "SMPTE" in str(err)


def test_a_type_2_file_is_refused_as_unsupported(tmp_path):
    path = tmp_path / "type2.mid"
    path.write_bytes(raw_smf([b"\x00\x99\x24\x64" + END], midi_type=2))
    assert refusal(path).reason == "unsupported_type"


def test_each_hit_keeps_how_far_off_its_step_it_was_played(tmp_path):
    """A late snare, an early kick pulled onto the next bar line, and of two hits on one cell the louder's timing."""
    notes = [(480 * 4 + 50, 38, 100),  # beat 1 of bar 2, 50 ticks (of a 120-tick step) late
             (480 + 30, 36, 80),  # beat 2, a quarter step late
             (480 * 4 - 40, 36, 90),  # a third of a step before bar 2's line: bar 2 step 0, early
             (480 * 2 - 20, 42, 50), (480 * 2 + 10, 42, 70)]  # two hats on beat 3: the louder (late) one counts
    p = read_drum_midi(save(drum_file(notes, end_tick=480 * 8), tmp_path / "f.mid")).spans[0]
    assert p.offsets is not None
    assert p.timing[0, 4, KICK] == pytest.approx(0.25)
    assert p.timing[1, 0, KICK] == pytest.approx(-40 / 120) and p.velocities[1, 0, KICK] == 90
    assert p.timing[1, 0, SNARE] == pytest.approx(50 / 120)
    assert p.velocities[0, 8, 2] == 70 and p.timing[0, 8, 2] == pytest.approx(10 / 120)
