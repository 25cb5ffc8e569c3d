"""The recorder's arrival times: JACK's times between messages, placed on perf_counter by the soonest pick-up."""

from midi_recorder import arrivals


def test_arrivals_keep_jack_s_spacing_and_take_the_offset_from_the_soonest_pick_up():
    # three messages 10 ms apart by JACK time; picked up 0.7, 0.1 and 3 ms after they came (at 1,000 ns + ...)
    came = [1_000_000, 11_000_000, 21_000_000]
    picked = [c + late for c, late in zip(came, (700_000, 100_000, 3_000_000))]
    got = [(picked[0], 0.0, [0x99, 36, 100]), (picked[1], 0.010, [0x99, 38, 100]), (picked[2], 0.010, [0xFC])]
    times = arrivals(got)
    assert [b - a for a, b in zip(times, times[1:])] == [10_000_000, 10_000_000]
    assert [t - c for t, c in zip(times, came)] == [100_000] * 3  # off by the soonest pick-up's lateness only
    assert all(t <= p for t, p in zip(times, picked))  # never after it was seen


def test_messages_far_apart_are_placed_by_their_own_pick_up_not_by_jack_s_drifting_time():
    # JACK's time says 2 s between them; the wall clock says 2.1 s (a loaded dummy driver fell behind)
    got = [(1_000_000, 0.0, [0x99, 36, 100]), (2_101_000_000, 2.0, [0x99, 36, 100])]
    times = arrivals(got)
    assert times == [1_000_000, 2_101_000_000]


def test_no_messages_no_times():
    assert arrivals([]) == []
