"""The MIDI bytes the live player sends and follows, by name: notes, clock and transport.

One place for the status bytes, so the scheduler, the clock we follow and the tests read `START`, not 0xFA.
"""

from __future__ import annotations

NOTE_OFF, NOTE_ON, CONTROL_CHANGE = 0x80, 0x90, 0xB0  # channel messages: the channel is the low nibble
ALL_NOTES_OFF = 123  # the controller that ends every note on a channel

CLOCK, START, CONTINUE, STOP, SONG_POSITION = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2  # system real-time and common
CLOCKS_PER_STEP = 6  # MIDI clock is 24 ticks per quarter note; a step is a 16th


def note_on(channel: int, pitch: int, velocity: int) -> tuple[int, int, int]:
    return (NOTE_ON | channel, pitch, velocity)


def note_off(channel: int, pitch: int) -> tuple[int, int, int]:
    return (NOTE_OFF | channel, pitch, 0)


def all_notes_off(channel: int) -> tuple[int, int, int]:
    return (CONTROL_CHANGE | channel, ALL_NOTES_OFF, 0)


def song_position(step: int) -> tuple[int, int, int]:
    """Song Position Pointer: counted in MIDI beats (16ths, our steps), 14 bits, low 7 first."""
    return (SONG_POSITION, step & 0x7F, (step >> 7) & 0x7F)


def is_note(message) -> bool:
    """Note on or note off, on any channel."""
    return message[0] & 0xE0 == NOTE_OFF
