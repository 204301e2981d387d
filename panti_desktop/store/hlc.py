"""Hybrid logical clock: record versions that order edits across devices without synced clocks."""

from __future__ import annotations

import threading
import time

COUNTER_BITS = 16
COUNTER_MASK = (1 << COUNTER_BITS) - 1


def pack(physical_ms: int, counter: int) -> int:
    return (physical_ms << COUNTER_BITS) | counter


def unpack(hlc: int) -> tuple[int, int]:
    return hlc >> COUNTER_BITS, hlc & COUNTER_MASK


def version_string(hlc: int, origin: str) -> str:
    """The record version as bound into a seal: clock and origin device."""
    return f"{hlc:016x}@{origin}"


class HybridClock:
    """`tick()` for a local event, `observe()` for a version seen from elsewhere (sync)."""

    def __init__(self, last: int = 0, wall_ms=None):
        self._last = last
        self._wall_ms = wall_ms or (lambda: time.time_ns() // 1_000_000)
        self._lock = threading.Lock()

    def tick(self) -> int:
        with self._lock:
            physical, counter = unpack(self._last)
            wall = self._wall_ms()
            if wall > physical:
                self._last = pack(wall, 0)
            else:
                # The wall clock went back or stood still: keep ordering by counting.
                if counter >= COUNTER_MASK:
                    self._last = pack(physical + 1, 0)
                else:
                    self._last = pack(physical, counter + 1)
            return self._last

    def observe(self, remote: int) -> None:
        with self._lock:
            self._last = max(self._last, remote)

    @property
    def last(self) -> int:
        return self._last
