"""Passphrase key derivation with Argon2id: calibration and read-side bounds."""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from ..errors import IntegrityError
from ..i18n import _

MIN_MEMORY_KIB = 64 * 1024
MAX_MEMORY_KIB = 1024 * 1024
MIN_ITERATIONS = 3
MAX_ITERATIONS = 32
MAX_LANES = 8
# Shared centre laptops have 4 GB of RAM: past this, spend the time on passes instead.
CALIBRATION_MEMORY_CAP_KIB = 256 * 1024
DEFAULT_TARGET_SECONDS = 0.6


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int = MIN_MEMORY_KIB
    iterations: int = MIN_ITERATIONS
    lanes: int = 4
    salt: str = ""  # hex

    def to_dict(self) -> dict:
        return {"alg": "argon2id", **asdict(self)}

    @classmethod
    def from_dict(cls, d: dict) -> KdfParams:
        """Read stored parameters, refusing any a tampered slot could use to weaken or stall us."""
        try:
            params = cls(
                memory_kib=int(d["memory_kib"]),
                iterations=int(d["iterations"]),
                lanes=int(d["lanes"]),
                salt=str(d["salt"]),
            )
            salt_ok = 16 <= len(bytes.fromhex(params.salt)) <= 64
        except (KeyError, TypeError, ValueError):
            raise IntegrityError(_("A key slot is damaged.")) from None
        if (
            d.get("alg") != "argon2id"
            or not salt_ok
            or not MIN_MEMORY_KIB <= params.memory_kib <= MAX_MEMORY_KIB
            or not MIN_ITERATIONS <= params.iterations <= MAX_ITERATIONS
            or not 1 <= params.lanes <= MAX_LANES
        ):
            raise IntegrityError(_("A key slot has key-derivation settings outside the safe range."))
        return params

    def derive(self, passphrase: str) -> bytearray:
        kdf = Argon2id(
            salt=bytes.fromhex(self.salt),
            length=32,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_kib,
        )
        return bytearray(kdf.derive(passphrase.encode("utf-8")))

    def with_new_salt(self) -> KdfParams:
        return KdfParams(self.memory_kib, self.iterations, self.lanes, os.urandom(16).hex())


def _time_once(memory_kib: int, iterations: int, lanes: int) -> float:
    kdf = Argon2id(
        salt=os.urandom(16), length=32, iterations=iterations, lanes=lanes, memory_cost=memory_kib
    )
    start = time.perf_counter()
    kdf.derive(b"calibration")
    return time.perf_counter() - start


def calibrate(target_seconds: float | None = None) -> KdfParams:
    """Find parameters taking about `target_seconds` here, never below the floor.

    `PANTI_KDF_TARGET_MS` lowers or raises the target (the test-suite sets it to 0
    to run at the floor); nothing can take the parameters under the floor.
    """
    if target_seconds is None:
        env = os.environ.get("PANTI_KDF_TARGET_MS")
        target_seconds = int(env) / 1000 if env else DEFAULT_TARGET_SECONDS
    lanes = 4
    memory, iterations = MIN_MEMORY_KIB, MIN_ITERATIONS
    elapsed = _time_once(memory, iterations, lanes) if target_seconds > 0 else 0.0
    while elapsed and elapsed < target_seconds * 0.75 and memory < CALIBRATION_MEMORY_CAP_KIB:
        memory *= 2
        elapsed *= 2
    if elapsed and elapsed < target_seconds * 0.75:
        per_pass = elapsed / iterations
        iterations = min(MAX_ITERATIONS, max(MIN_ITERATIONS, round(target_seconds / per_pass)))
    return KdfParams(memory, iterations, lanes, os.urandom(16).hex())
