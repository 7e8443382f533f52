"""Fault injection and request counting for the SQL API, set at start or over /_infra/faults.

Faults apply to the API endpoints only (never to /_infra/*): each request first waits `delay_ms`, then
with probability `error_rate` fails with one of `errors`, picked at random: an HTTP 429/500/503 with a
Snowflake-shaped JSON body, or `drop`, which closes the connection without answering.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

KNOWN_ERRORS = ("429", "500", "503", "drop")

ERROR_BODIES = {
    "429": {"code": "000429", "message": "Too many requests. The number of requests exceeded the limit; retry later."},
    "500": {"code": "000500", "message": "Internal error: the emulator injected an HTTP 500."},
    "503": {"code": "000503", "message": "Service temporarily unavailable; retry later."},
}


@dataclass
class FaultSettings:
    delay_ms: int = 0
    error_rate: float = 0.0
    errors: list[str] = field(default_factory=lambda: ["500"])
    seed: int | None = None

    def as_json(self) -> dict:
        return {"delay_ms": self.delay_ms, "error_rate": self.error_rate, "errors": list(self.errors), "seed": self.seed}


def parse_errors(value: object) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    errors = [str(e).strip().lower() for e in items if str(e).strip()]
    unknown = [e for e in errors if e not in KNOWN_ERRORS]
    if unknown:
        raise ValueError(f"unknown error kinds {unknown}; known: {', '.join(KNOWN_ERRORS)}")
    return errors


class Faults:
    def __init__(self, settings: FaultSettings | None = None):
        self._lock = threading.Lock()
        self.settings = settings or FaultSettings()
        self._random = random.Random(self.settings.seed)
        self.total_requests = 0
        self.statements = 0

    def update(self, changes: dict) -> FaultSettings:
        """Applies the given fields; raises ValueError on a bad one (nothing changes then)."""
        with self._lock:
            current = self.settings
            delay = int(changes.get("delay_ms", current.delay_ms))
            rate = float(changes.get("error_rate", current.error_rate))
            errors = parse_errors(changes["errors"]) if "errors" in changes else current.errors
            seed = changes.get("seed", current.seed)
            if delay < 0 or not 0.0 <= rate <= 1.0:
                raise ValueError("delay_ms must be >= 0 and error_rate within 0..1")
            if rate > 0 and not errors:
                raise ValueError("error_rate > 0 needs at least one error kind")
            self.settings = FaultSettings(delay, rate, errors, None if seed is None else int(seed))
            if "seed" in changes:
                self._random = random.Random(self.settings.seed)
            return self.settings

    def count_request(self) -> None:
        with self._lock:
            self.total_requests += 1

    def count_statements(self, n: int) -> None:
        with self._lock:
            self.statements += n

    def counts(self) -> dict:
        with self._lock:
            return {"total_requests": self.total_requests, "statements": self.statements}

    def reset_counts(self) -> None:
        with self._lock:
            self.total_requests = 0
            self.statements = 0

    def draw(self) -> tuple[float, str | None]:
        """(seconds to wait, the error to inject or None) for one request."""
        with self._lock:
            s = self.settings
            error = None
            if s.error_rate > 0 and s.errors and self._random.random() < s.error_rate:
                error = self._random.choice(s.errors)
            return s.delay_ms / 1000.0, error
