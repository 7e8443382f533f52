"""The local AWS endpoint: moto's server (every service moto serves) behind infra's middleware.

    python -m infra_emulator.aws --host 127.0.0.1 --port 4566 --dir DIR
        [--delay-ms N] [--error-rate R] [--errors 429,500,503,SlowDown,drop] [--fault-seed S]

Starts listening, bootstraps the IAM users (see aws_bootstrap), then answers /_infra/health with 200.
SIGTERM or SIGINT stops it.
"""

import argparse
import logging
import os
import re
import secrets
import signal
import sys
import threading

from werkzeug.serving import make_server

from . import ACCOUNT_ID, reachable_host
from .aws_bootstrap import BOOTSTRAP_ACTION_COUNT, describe, run_bootstrap
from .aws_faults import DEFAULT_ERRORS, FaultInjector, FaultSettings, FaultSettingsError
from .aws_middleware import InfraMiddleware, Readiness, RequestCounter
from .keep_alive import KeepAliveRequestHandler

# moto reads these when first imported: they must be set before anything imports moto.
os.environ["MOTO_ACCOUNT_ID"] = ACCOUNT_ID
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(BOOTSTRAP_ACTION_COUNT)
# moto's server adds `Access-Control-Allow-Origin: *` to every answer; AWS sends CORS headers only where a
# bucket's CORS configuration says so (moto answers those itself). Off: closer to AWS, and less work per request.
os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"

log = logging.getLogger("infra_emulator.aws")

# Query parameters whose values must never reach a log (presigned URLs carry them).
_SECRET_QUERY_VALUE = re.compile(r"([?&](?:X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential|Signature)=)[^&]*",
                                 re.IGNORECASE)


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra_emulator.aws", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--dir", required=True, help="where aws-bootstrap.json is written")
    parser.add_argument("--delay-ms", type=int, default=0, help="delay every AWS request by this much")
    parser.add_argument("--error-rate", type=float, default=0.0, help="probability (0..1) of an injected error")
    parser.add_argument("--errors", default=",".join(DEFAULT_ERRORS),
                        help="comma-separated kinds to inject: 429, 500, 503, SlowDown, drop")
    parser.add_argument("--fault-seed", type=int, default=None, help="seed for reproducible fault sequences")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        faults = FaultInjector(FaultSettings().updated({
            "delay_ms": arguments.delay_ms, "error_rate": arguments.error_rate,
            "errors": arguments.errors, "seed": arguments.fault_seed,
        }))
    except FaultSettingsError as problem:
        log.error("bad fault injection option: %s", problem)
        return 2
    directory = os.path.abspath(arguments.dir)
    os.makedirs(directory, exist_ok=True)
    # Each request is ~1-2 ms of moto's Python under the GIL, on a thread per kept-open connection. With a plan's
    # hundred-odd connections busy, the default 5 ms switch interval makes threads take the GIL from one another
    # mid-request; 50 ms lets each answer finish first (sys.setswitchinterval). Measured on the 100-bucket no-op
    # plan at 100 ms per request: median 1.50-1.61 s -> 1.42-1.49 s, and ~10 % less emulator CPU.
    sys.setswitchinterval(0.05)

    server, readiness = build_server(arguments.host, arguments.port, faults)
    if server is None:
        return 1
    endpoint = f"http://{reachable_host(arguments.host)}:{server.server_port}"
    serving = threading.Thread(target=server.serve_forever, name="aws-server", daemon=True)
    serving.start()
    log.info("moto listening on %s (account %s); bootstrapping %d IAM actions",
             endpoint, ACCOUNT_ID, BOOTSTRAP_ACTION_COUNT)

    stop = threading.Event()

    def asked_to_stop(*_):
        # Said at once: a stop that comes while the bootstrap still runs may end in SIGKILL after the grace time.
        if not stop.is_set():
            log.info("stopping")
        stop.set()

    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, asked_to_stop)
    # A parent may hand down a signal mask that blocks SIGTERM (infra's Swift runtime blocks signals on its
    # threads, and a spawned child inherits the mask): unblock it, or `infra local down` waits out its grace time.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

    if not bootstrap(endpoint, readiness, directory):
        server.shutdown()
        return 1
    log.info("ready on %s; faults %s", endpoint, faults.settings.as_json())
    stop.wait()
    server.shutdown()
    return 0


def build_server(host: str, port: int, faults: FaultInjector):
    """The werkzeug server (threaded, bound, not yet serving) and its readiness, or (None, None) with the
    reason logged."""
    from moto import settings

    from .aws_moto import moto_wsgi_app

    # The environment variable only counts if moto was not imported before; say it again, directly.
    settings.INITIAL_NO_AUTH_ACTION_COUNT = BOOTSTRAP_ACTION_COUNT
    readiness = Readiness(bootstrap_token=secrets.token_hex(16))
    app = InfraMiddleware(moto_wsgi_app(), faults, RequestCounter(), readiness)
    try:
        server = make_server(host, port, app, threaded=True, request_handler=MaskingRequestHandler)
    except OSError as problem:
        log.error("cannot listen on %s:%d: %s (is another emulator or LocalStack running?)", host, port, problem)
        return None, None
    return server, readiness


def bootstrap(endpoint: str, readiness: Readiness, directory: str) -> bool:
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    try:
        created = run_bootstrap(endpoint, readiness.bootstrap_token, directory)
    except Exception as problem:  # any failure leaves moto half set up: stop, say why
        readiness.mark_failed(f"bootstrap failed: {problem}")
        log.error("bootstrap failed: %s", problem)
        return False
    used = ActionAuthenticatorMixin.request_count
    if used != settings.INITIAL_NO_AUTH_ACTION_COUNT:
        reason = (f"bootstrap used {used} unauthenticated actions, expected {settings.INITIAL_NO_AUTH_ACTION_COUNT}:"
                  " signature checking would not start where planned")
        readiness.mark_failed(reason)
        log.error(reason)
        return False
    log.info("bootstrapped: %s", describe(created))
    readiness.mark_ready()
    return True


def mask_secrets_in_path(path: str) -> str:
    """The request target as sent, with signature, credential and token values replaced by ***."""
    return _SECRET_QUERY_VALUE.sub(r"\1***", path)


class MaskingRequestHandler(KeepAliveRequestHandler):
    """werkzeug's handler with connections kept open, logging one line per request with secrets in the query
    masked."""

    def log_request(self, code="-", size="-"):
        path = mask_secrets_in_path(getattr(self, "path", ""))
        log.info("%s %s %s", getattr(self, "command", "-"), path, code)

if __name__ == "__main__":
    sys.exit(main())
