"""`python -m infra_emulator.snowflake`: the local Snowflake, in the foreground until SIGTERM.

  --host/--port            the SQL API v2 and /_infra admin endpoints
  --connector-port         the protocol snowflake-connector-python speaks (same data)
  --dir                    where state lives (DuckDB files, catalog.json, deployer.p8)
  --aws-endpoint           the local AWS (moto) that S3 stages and pipes' queues live in
  --delay-ms/--error-rate/--errors   initial fault injection (see /_infra/faults)
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .connector import ConnectorApi
from .engine import Engine
from .faults import Faults, parse_errors
from .s3access import AwsAccess
from .snowpipe import SnowpipePoller
from .sqlapi import SqlApi

log = logging.getLogger("infra_emulator.snowflake")


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without a log line per request (the launcher keeps our log)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra_emulator.snowflake", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--connector-port", type=int, default=8092)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--aws-endpoint", default="http://127.0.0.1:4566")
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--errors", default="500")
    parser.add_argument("--seed", type=int, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s snowflake %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # sqlglot warns of every statement it hands on unparsed; fakesnow logs each SQL it runs.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    logging.getLogger("fakesnow").setLevel(logging.WARNING)
    directory = os.path.abspath(args.dir)
    os.makedirs(directory, exist_ok=True)

    faults = Faults()
    faults.update({"delay_ms": args.delay_ms, "error_rate": args.error_rate, "errors": parse_errors(args.errors),
                   "seed": args.seed})
    engine = Engine(directory, AwsAccess(directory, args.aws_endpoint))
    api = SqlApi(engine, faults)
    servers = [
        make_server(args.host, args.port, api, threaded=True, request_handler=QuietRequestHandler),
        make_server(args.host, args.connector_port, ConnectorApi(engine), threaded=True,
                    request_handler=QuietRequestHandler),
    ]
    threads = [threading.Thread(target=s.serve_forever, daemon=True, name=f"http-{s.port}") for s in servers]
    for t in threads:
        t.start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # A parent may hand down a signal mask that blocks SIGTERM (infra's Swift runtime blocks signals on its
    # threads, and a spawned child inherits the mask): unblock it, or `infra local down` waits out its grace time.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    snowpipe = SnowpipePoller(engine)
    snowpipe.start()
    api.ready.set()
    log.info("SQL API on http://%s:%d, connector protocol on port %d, state in %s",
             args.host, args.port, args.connector_port, directory)
    stop.wait()
    log.info("stopping")
    # Each server notices a shutdown within its poll interval: stop them side by side, not one after the other.
    stopping = [threading.Thread(target=s.shutdown) for s in servers]
    for t in stopping:
        t.start()
    for t in stopping:
        t.join()
    snowpipe.close()
    with engine.lock:
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
