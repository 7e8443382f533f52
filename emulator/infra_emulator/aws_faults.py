"""Fault and latency injection for the local AWS endpoint.

A request that reaches moto may first be delayed (`delay_ms`), and with probability `error_rate` gets one
of `errors` instead of moto's answer. The errors are shaped like AWS's own, per protocol, so that SDK
retry logic (botocore's, infra's) classifies them exactly as it would in the cloud.

`500-after` and `drop-after` let moto carry the request out and then lose its answer (a 500, or the
connection closed): the case AWS warns of for calls without an idempotency token ("if you don't receive a
response ... the request might have succeeded" — EC2 API reference, "Ensuring idempotency"; the SDKs'
"Retry behavior" guide), which a client must make safe to repeat.
"""

import random
import threading
from dataclasses import asdict, dataclass, field, replace

from .aws_actions import AwsRequest
from .aws_errors import DROP, ErrorAnswer, aws_error

KNOWN_ERRORS = ("429", "500", "503", "SlowDown", "drop", "500-after", "drop-after")
DEFAULT_ERRORS = ["429", "500", "503"]


class FaultSettingsError(ValueError):
    """A fault setting that cannot be used; its message says which and why."""


@dataclass
class FaultSettings:
    delay_ms: int = 0
    error_rate: float = 0.0
    errors: list[str] = field(default_factory=lambda: list(DEFAULT_ERRORS))
    seed: int | None = None
    paths_prefix: str | None = None  # only requests whose path starts with this are affected

    def as_json(self) -> dict:
        return asdict(self)

    def updated(self, changes: dict) -> "FaultSettings":
        """A copy with `changes` applied; every field is validated, unknown fields are refused."""
        unknown = sorted(set(changes) - set(asdict(self)))
        if unknown:
            raise FaultSettingsError(f"unknown fault setting(s): {', '.join(unknown)}")
        merged = {**asdict(self), **changes}
        return FaultSettings(
            delay_ms=_delay(merged["delay_ms"]),
            error_rate=_rate(merged["error_rate"]),
            errors=_errors(merged["errors"]),
            seed=_seed(merged["seed"]),
            paths_prefix=_prefix(merged["paths_prefix"]),
        )


class FaultInjector:
    """Holds the current settings; decides, per request, its delay and whether it fails. Thread-safe."""

    def __init__(self, settings: FaultSettings):
        self._lock = threading.Lock()
        self._settings = settings
        self._random = random.Random(settings.seed)

    @property
    def settings(self) -> FaultSettings:
        with self._lock:
            return self._settings

    def update(self, changes: dict) -> FaultSettings:
        with self._lock:
            self._settings = self._settings.updated(changes)
            # A new seed (or a new setting with a seed) restarts the sequence: runs are reproducible.
            self._random = random.Random(self._settings.seed)
            return self._settings

    def decide(self, path: str, request: AwsRequest) -> tuple[float, ErrorAnswer | None]:
        """(seconds to wait, error to answer or None) for one request."""
        with self._lock:
            settings = self._settings
            if settings.paths_prefix and not path.startswith(settings.paths_prefix):
                return 0.0, None
            fails = settings.error_rate > 0 and self._random.random() < settings.error_rate
            chosen = self._random.choice(settings.errors) if fails else None
        return settings.delay_ms / 1000.0, (error_response(chosen, request) if chosen else None)


# What each kind of injected error answers: (HTTP status, code, message, fault type); S3 has its own.
S3_ERRORS = {
    "429": (503, "SlowDown", "Please reduce your request rate.", "Receiver"),
    "SlowDown": (503, "SlowDown", "Please reduce your request rate.", "Receiver"),
    "500": (500, "InternalError", "We encountered an internal error. Please try again.", "Receiver"),
    "503": (503, "ServiceUnavailable", "Service is unable to handle request.", "Receiver"),
}
API_ERRORS = {
    "429": (429, "Throttling", "Rate exceeded", "Sender"),
    "500": (500, "InternalError", "An internal error occurred.", "Receiver"),
    "503": (503, "ServiceUnavailable", "Service is unable to handle request.", "Receiver"),
    "SlowDown": (503, "SlowDown", "Please reduce your request rate.", "Receiver"),
}


def error_response(kind: str, request: AwsRequest) -> ErrorAnswer:
    """The response AWS would give for `kind`, in the request's protocol."""
    if kind == "drop":
        return DROP
    if kind.endswith("-after"):
        return replace(error_response(kind.removesuffix("-after"), request), after=True)
    status, code, message, fault_type = (S3_ERRORS if request.protocol == "s3" else API_ERRORS)[kind]
    if request.protocol == "json" and code == "Throttling":
        code = "ThrottlingException"  # JSON APIs name it so
    return aws_error(request, status, code, message, fault_type)


def _delay(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 600_000:
        raise FaultSettingsError(f"delay_ms must be an integer from 0 to 600000, not {value!r}")
    return value


def _rate(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise FaultSettingsError(f"error_rate must be a number from 0 to 1, not {value!r}")
    return float(value)


def _errors(value: object) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not value:
        raise FaultSettingsError(f"errors must be a non-empty list drawn from {list(KNOWN_ERRORS)}, not {value!r}")
    unknown = [item for item in value if item not in KNOWN_ERRORS]
    if unknown:
        raise FaultSettingsError(f"unknown error kind(s) {unknown}; known: {list(KNOWN_ERRORS)}")
    return list(value)


def _seed(value: object) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise FaultSettingsError(f"seed must be an integer or null, not {value!r}")
    return value


def _prefix(value: object) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not value.startswith("/"):
        raise FaultSettingsError(f"paths_prefix must be a path starting with '/', or null, not {value!r}")
    return value
