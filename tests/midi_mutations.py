"""Seeded mutations of MIDI bytes, the damage real files carry, for the fuzz test and bench/fuzz_midi.py.

Each mutation is a small function (rng, data) -> data; `mutate` stacks one to three of them, so a seed and
an input index name one input exactly.
"""

from __future__ import annotations

import random
from typing import Callable

Mutation = Callable[[random.Random, bytearray], bytearray]


def flip_bits(rng: random.Random, data: bytearray) -> bytearray:
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
    return data


def insert_bytes(rng: random.Random, data: bytearray) -> bytearray:
    i = rng.randrange(len(data) + 1)
    data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return data


def delete_bytes(rng: random.Random, data: bytearray) -> bytearray:
    i = rng.randrange(len(data))
    del data[i : i + rng.randint(1, 16)]
    return data


def truncate(rng: random.Random, data: bytearray) -> bytearray:
    return data[: rng.randrange(len(data))]


def interesting_byte(rng: random.Random, data: bytearray) -> bytearray:
    """A byte set to a boundary value: status/data edges, running status, meta and sysex starts."""
    data[rng.randrange(len(data))] = rng.choice((0x00, 0x01, 0x7F, 0x80, 0x81, 0x90, 0x99, 0xF0, 0xF7, 0xFF))
    return data


def _chunk_offsets(data: bytearray) -> list[int]:
    return [i for i in range(len(data) - 7) if data[i : i + 4] in (b"MThd", b"MTrk")]


def corrupt_chunk_length(rng: random.Random, data: bytearray) -> bytearray:
    offsets = _chunk_offsets(data)
    if not offsets:
        return flip_bits(rng, data)
    i = rng.choice(offsets) + 4
    old = int.from_bytes(data[i : i + 4], "big")
    new = rng.choice((0, 1, 5, old - 1, old + 1, old * 2, 0x7FFFFFFF, 0xFFFFFFFF, rng.randrange(2**32)))
    data[i : i + 4] = (new % 2**32).to_bytes(4, "big")
    return data


def corrupt_header_field(rng: random.Random, data: bytearray) -> bytearray:
    """Format, track count or division set to an edge or a random 16-bit value."""
    if len(data) < 14:
        return data
    i = rng.choice((8, 10, 12))
    value = rng.choice((0, 1, 2, 3, 0x7FFF, 0x8000, 0xE250, 0xFFFF, rng.randrange(2**16)))
    data[i : i + 2] = value.to_bytes(2, "big")
    return data


def huge_varint(rng: random.Random, data: bytearray) -> bytearray:
    """At the start of a track (where its first delta time is): a run of continuation bytes that makes that
    delta over-long, or events with the largest legal delta (0x0FFFFFFF ticks); the chunk length mostly follows."""
    tracks = [i for i in _chunk_offsets(data) if data[i : i + 4] == b"MTrk"]
    if not tracks:
        return insert_bytes(rng, data)
    i = rng.choice(tracks)
    if rng.random() < 0.5:
        run = bytes(b | 0x80 for b in rng.randbytes(rng.choice((3, 4, 16, 200, 1000, 20_000))))
    else:
        run = b"\xff\xff\xff\x7f\xff\x01\x00" * rng.randint(1, 64)  # a huge delta, then an empty text event
    data[i + 8 : i + 8] = run
    if rng.random() < 0.8:
        length = int.from_bytes(data[i + 4 : i + 8], "big") + len(run)
        data[i + 4 : i + 8] = (length % 2**32).to_bytes(4, "big")
    return data


MUTATIONS: tuple[Mutation, ...] = (
    flip_bits, insert_bytes, delete_bytes, truncate, interesting_byte, corrupt_chunk_length, corrupt_header_field,
    huge_varint,
)


def mutate(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """`data` with one to three mutations applied, and their names joined by '+'."""
    out, names = bytearray(data), []
    for _ in range(rng.randint(1, 3)):
        if not out:
            break
        mutation = rng.choice(MUTATIONS)
        out = mutation(rng, out)
        names.append(mutation.__name__)
    return bytes(out), "+".join(names)
