"""WSGI middleware in front of moto: admin endpoints, the bootstrap gate, request counting, faults.

Order for every request:
  /_infra/*     answered here (health, faults, request counts), never counted, never faulted;
  /moto-api/*   refused: moto's admin API can switch signature checking off or wipe the IAM users;
  bootstrap     until the bootstrap is done, only its own requests (which carry a per-process token)
                reach moto, so that it uses up exactly moto's unauthenticated-action allowance;
  otherwise     counted, delayed and maybe failed (fault injection); refused if not signed with SigV4
                in the Authorization header (moto would answer those with a 500); then handed to moto.
"""

import json
import re
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable

from .aws_actions import AwsRequest, classify
from .aws_errors import ErrorAnswer, aws_error, xml_error_as_json
from .aws_faults import FaultInjector, FaultSettingsError, error_response

BOOTSTRAP_HEADER = "X-Infra-Bootstrap"
_BOOTSTRAP_ENVIRON_KEY = "HTTP_X_INFRA_BOOTSTRAP"


class Readiness:
    """Bootstrapping → ready (or failed). Knows the token that marks the bootstrap's own requests."""

    def __init__(self, bootstrap_token: str):
        self.bootstrap_token = bootstrap_token
        self._ready = threading.Event()
        self.failure: str | None = None

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def mark_ready(self) -> None:
        self._ready.set()

    def mark_failed(self, reason: str) -> None:
        self.failure = reason

    def is_bootstrap_request(self, environ: dict) -> bool:
        sent = environ.get(_BOOTSTRAP_ENVIRON_KEY)
        return not self.ready and sent is not None and secrets.compare_digest(sent, self.bootstrap_token)


class RequestCounter:
    """How many requests asked for each service:action since start (or the last reset). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def record(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"total": sum(self._counts.values()), "by_action": dict(sorted(self._counts.items()))}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


StartResponse = Callable[..., object]


class InfraMiddleware:
    def __init__(self, moto_app: Callable, faults: FaultInjector, counter: RequestCounter, readiness: Readiness):
        self.moto_app = moto_app
        self.faults = faults
        self.counter = counter
        self.readiness = readiness

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path.startswith("/_infra/"):
            return self._admin(environ, start_response, path)
        if path.startswith("/moto-api"):
            return _json(start_response, 403, {"error": "moto's admin API is disabled on this endpoint: "
                                                         "it could switch signature checking off"})
        if self.readiness.is_bootstrap_request(environ):
            return self.moto_app(environ, start_response)

        request = classify(environ)
        if not self.readiness.ready:
            # Anything else must wait: it would use up one of moto's unauthenticated actions.
            return _send(start_response, error_response("503", request))
        self.counter.record(request.key)
        delay, injected = self.faults.decide(path, request)
        if delay:
            time.sleep(delay)
        if injected is not None and not injected.after:
            if injected.drop:
                _drop_connection(environ)
            return _send(start_response, injected)
        refusal = unauthenticated_refusal(environ, request)
        if refusal is not None:
            return _send(start_response, refusal)
        if injected is not None:
            _carry_out(self.moto_app, environ)
            if injected.drop:
                _drop_connection(environ)
            return _send(start_response, injected)
        if request.protocol == "json":
            return self._moto_with_json_errors(environ, start_response)
        return self.moto_app(environ, start_response)

    def _moto_with_json_errors(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        """moto, with its XML error bodies turned into JSON errors (for JSON-protocol requests)."""
        captured: dict = {}

        def capture(status: str, headers: list, exc_info: object = None) -> Callable[[bytes], None]:
            captured.update(status=status, headers=headers)
            return lambda data: None  # Flask never uses the write callable

        answer = self.moto_app(environ, capture)
        status_code = int(captured["status"].split()[0])
        if status_code < 400:
            start_response(captured["status"], captured["headers"])
            return answer
        body = b"".join(answer)
        if hasattr(answer, "close"):
            answer.close()
        converted = xml_error_as_json(status_code, body) if body.lstrip().startswith(b"<") else None
        if converted is not None:
            return _send(start_response, converted)
        start_response(captured["status"], captured["headers"])
        return [body]

    def _admin(self, environ: dict, start_response: StartResponse, path: str) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if path == "/_infra/health" and method in ("GET", "HEAD"):
            if self.readiness.ready:
                return _json(start_response, 200, {"ok": True})
            if self.readiness.failure:
                return _json(start_response, 500, {"ok": False, "error": self.readiness.failure})
            return _json(start_response, 503, {"ok": False, "state": "bootstrapping"})
        if path == "/_infra/faults" and method == "GET":
            return _json(start_response, 200, self.faults.settings.as_json())
        if path == "/_infra/faults" and method == "POST":
            try:
                changes = json.loads(_read_body(environ) or b"{}")
                if not isinstance(changes, dict):
                    raise FaultSettingsError("the body must be a JSON object of fault settings")
                return _json(start_response, 200, self.faults.update(changes).as_json())
            except (FaultSettingsError, json.JSONDecodeError) as problem:
                return _json(start_response, 400, {"error": str(problem)})
        if path == "/_infra/requests" and method == "GET":
            return _json(start_response, 200, self.counter.snapshot())
        if path == "/_infra/requests/reset" and method == "POST":
            self.counter.reset()
            return _json(start_response, 200, self.counter.snapshot())
        known = {"/_infra/health", "/_infra/faults", "/_infra/requests", "/_infra/requests/reset"}
        if path in known:
            return _json(start_response, 405, {"error": f"{method} is not allowed on {path}"})
        return _json(start_response, 404, {"error": f"no admin endpoint {path}; known: {sorted(known)}"})


# A SigV4 (X-Amz-Signature) or SigV2 (Signature) presigned URL's query string.
_PRESIGNED_QUERY = re.compile(r"(^|&)(X-Amz-Signature|Signature)=")


def unauthenticated_refusal(environ: dict, request: AwsRequest) -> ErrorAnswer | None:
    """The error AWS gives a request that is not signed with SigV4 in its Authorization header, or None
    for a request moto can check. moto 5.2.1 cannot check presigned URLs once signatures are enforced
    (it fails with a 500), so they are refused here with a message that says so."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    s3 = request.protocol == "s3"
    if authorization.startswith("AWS4-HMAC-SHA256 "):
        if "HTTP_X_AMZ_DATE" in environ:
            return None
        return aws_error(request, 403, "AccessDenied" if s3 else "IncompleteSignature",
                         "the request is signed but has no X-Amz-Date header")
    if _PRESIGNED_QUERY.search(environ.get("QUERY_STRING", "")):
        return aws_error(request, 403, "AccessDenied",
                         "presigned URLs are not supported by the local AWS endpoint (moto checks only "
                         "signatures in the Authorization header); send a signed request instead")
    if authorization:
        return aws_error(request, 400, "InvalidRequest" if s3 else "IncompleteSignature",
                         "The authorization mechanism you have provided is not supported. "
                         "Please use AWS4-HMAC-SHA256.")
    if s3:
        return aws_error(request, 403, "AccessDenied", "Access Denied")
    return aws_error(request, 403, "MissingAuthenticationToken", "Request is missing Authentication Token")


def _carry_out(moto_app: Callable, environ: dict) -> None:
    """Lets moto handle the request and throws its answer away (an `-after` fault replaces it)."""
    answer = moto_app(environ, lambda status, headers, exc_info=None: (lambda data: None))
    for _ in answer:
        pass
    if hasattr(answer, "close"):
        answer.close()


def _drop_connection(environ: dict) -> None:
    """Closes the client's connection without a response. werkzeug's dev server exposes the socket;
    raising ConnectionResetError afterwards is what werkzeug treats as "client went away": it stops
    handling the request quietly instead of trying to answer 500."""
    connection = environ.get("werkzeug.socket")
    if isinstance(connection, socket.socket):
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionResetError("connection dropped by fault injection")


def _send(start_response: StartResponse, injected: ErrorAnswer) -> list[bytes]:
    headers = list(injected.headers) + [("Content-Length", str(len(injected.body)))]
    start_response(f"{injected.status} {_REASONS.get(injected.status, 'Error')}", headers)
    return [injected.body]


def _json(start_response: StartResponse, status: int, payload: object) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        f"{status} {_REASONS.get(status, 'Error')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _read_body(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


_REASONS = {
    200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
}
