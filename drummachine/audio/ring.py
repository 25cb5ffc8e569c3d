"""A lock-free single-producer/single-consumer ring of hits: the player's thread writes, the audio callback reads.

Neither side ever waits for the other: the producer fills a slot, then publishes it by moving `_head`; the
consumer reads slots up to `_head`, then frees them by moving `_tail`. Each index is written by one side only,
so no lock is needed (and none the GUI could be holding when the callback runs). The slots are preallocated.
"""

from __future__ import annotations

import numpy as np

class HitRing:
    def __init__(self, capacity: int = 4096):
        self.capacity = capacity
        self._at = np.zeros(capacity, dtype=np.int64)  # perf_counter_ns of the hit
        self._cls = np.zeros(capacity, dtype=np.int16)
        self._velocity = np.zeros(capacity, dtype=np.int16)
        self._generation = np.zeros(capacity, dtype=np.int64)
        self.generation = 0  # written by the producer only: hits of an older generation are cancelled
        self._head = 0  # written by the producer only: slots before it are published
        self._tail = 0  # written by the consumer only: slots before it are free
        self.overflows = 0  # hits the producer dropped because the consumer had not kept up

    def __len__(self) -> int:
        return self._head - self._tail

    # --- producer (the player's real-time thread) -------------------------------------------------------
    def push(self, at_ns: int, cls: int, velocity: int) -> bool:
        """Queue one hit; False (and counted) when the ring is full."""
        head = self._head
        if head - self._tail >= self.capacity:
            self.overflows += 1
            return False
        i = head % self.capacity
        self._at[i], self._cls[i], self._velocity[i] = at_ns, cls, velocity
        self._generation[i] = self.generation
        self._head = head + 1  # publish: the slot is complete before the consumer can see it
        return True

    def cancel(self) -> None:
        """Drop every hit queued so far (the player stopped or jumped); sounding voices ring on."""
        self.generation += 1

    # --- consumer (the audio callback) ---------------------------------------------------------------------
    def peek_time(self) -> int:
        """The time of the oldest queued hit, or -1 when none is queued (cancelled hits are skipped)."""
        while self._tail != self._head:
            i = self._tail % self.capacity
            if self._generation[i] == self.generation:
                return int(self._at[i])
            self._tail += 1
        return -1

    def pop(self) -> tuple[int, int, int]:
        """The oldest queued hit as (at_ns, cls, velocity); only after `peek_time` found one."""
        i = self._tail % self.capacity
        hit = int(self._at[i]), int(self._cls[i]), int(self._velocity[i])
        self._tail += 1
        return hit
