"""`python -m infra_emulator up|down|status [--json] --dir DIR`: starts, stops and inspects the two servers.

`infra local up` runs this with cwd = the project root and `--dir .infra/local`. Files in DIR:
  pids.json           the running servers (pid = process group), their ports and log files
  status.json         endpoints and the deployer's key, for infra (written atomically, mode 0600)
  aws-bootstrap.json  written by the AWS server: the bootstrapped IAM users' keys (mode 0600);
                      removed by `down`, since a restarted moto has new keys
  aws.log, snowflake.log  each server's stdout and stderr
  launcher.lock       held while up or down runs, so that two of them never race
"""

import argparse
import contextlib
import fcntl
import importlib.util
import json
import os
import shutil
import signal
import sys
import time
import urllib.error
import urllib.request

from . import ACCOUNT_ID, REGION, reachable_host
from .files import read_json, write_json_atomically
from .processes import is_running, port_is_free, signal_group, start_detached, stop_group

PIDS_FILE = "pids.json"
LOCK_FILE = "launcher.lock"
STATUS_FILE = "status.json"
BOOTSTRAP_FILE = "aws-bootstrap.json"
HEALTH_PATH = "/_infra/health"
SNOWFLAKE_MODULE = "infra_emulator.snowflake"
SNOWFLAKE_ACCOUNT = "LOCAL"
SNOWFLAKE_USER = "DEPLOYER"
SNOWFLAKE_KEY_FILE = "deployer.p8"
MASK = "***"


class LauncherError(Exception):
    """A failure the user can act on; its message says what happened and where to look."""


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra_emulator",
                                     description="Start, stop or inspect the local AWS and Snowflake emulators.")
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start both servers in the background (idempotent), wait until healthy")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--aws-port", type=int, default=4566)
    up.add_argument("--snowflake-port", type=int, default=8091)
    up.add_argument("--connector-port", type=int, default=8092)
    up.add_argument("--delay-ms", type=int, default=None, help="AWS: delay every request by this much")
    up.add_argument("--error-rate", type=float, default=None, help="AWS: probability (0..1) of an injected error")
    up.add_argument("--errors", default=None, help="AWS: comma-separated kinds: 429, 500, 503, SlowDown, drop")
    up.add_argument("--fault-seed", type=int, default=None, help="AWS: seed for a reproducible fault sequence")
    up.add_argument("--aws-only", action="store_true", help="start only the AWS server (for its own tests)")
    up.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each server to be healthy")

    commands.add_parser("down", help="stop both servers; no process is left behind")
    commands.add_parser("status", help="show whether each server runs, and where")
    for name, command in commands.choices.items():
        command.add_argument("--dir", required=True, help="the emulator's state folder, e.g. .infra/local")
        if name in ("up", "status"):
            command.add_argument("--json", action="store_true", help="print status.json (secrets masked)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    arguments.dir = os.path.abspath(arguments.dir)
    command = {"up": up, "down": down, "status": status}[arguments.command]
    try:
        if arguments.command == "status":
            return command(arguments)
        with _exclusive(arguments.dir):
            return command(arguments)
    except LauncherError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1


@contextlib.contextmanager
def _exclusive(directory: str):
    """Holds DIR/launcher.lock: two `up`s (or an `up` and a `down`) at once would race on the ports and
    on pids.json; the second waits for the first."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, LOCK_FILE), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- up -------------------------------------------------------------------------------------------

def up(arguments: argparse.Namespace) -> int:
    directory = arguments.dir
    os.makedirs(directory, exist_ok=True)
    running = read_json(os.path.join(directory, PIDS_FILE))
    if running:
        if _all_healthy(running, need_snowflake=not arguments.aws_only):
            _write_status(directory, running)
            # With --json, stdout carries only the JSON document; remarks go to stderr.
            remarks = sys.stderr if arguments.json else sys.stdout
            print(f"already running (stop with: down --dir {directory})", file=remarks)
            _warn_if_ports_differ(running, arguments, remarks)
            _print_summary(directory, as_json=arguments.json)
            return 0
        print("a previous emulator is stale or incomplete; stopping it first", file=sys.stderr)
        _stop_all(directory, running)

    if not arguments.aws_only and importlib.util.find_spec(SNOWFLAKE_MODULE) is None:
        raise LauncherError(f"the Snowflake emulator ({SNOWFLAKE_MODULE}) is not in this checkout; "
                            "nothing was started (use --aws-only to start only the local AWS endpoint)")
    _check_ports_free(arguments)
    for stale in (STATUS_FILE, BOOTSTRAP_FILE):
        _remove(os.path.join(directory, stale))
    _forget_snowflake_objects(directory)

    processes: dict = {"aws_only": arguments.aws_only}
    try:
        processes["aws"] = _start_aws(arguments)
        _record(directory, processes)
        _wait_healthy("AWS", processes["aws"], arguments.timeout)
        if not arguments.aws_only:
            processes["snowflake"] = _start_snowflake(arguments)
            _record(directory, processes)
            _wait_healthy("Snowflake", processes["snowflake"], arguments.timeout)
    except BaseException:
        _stop_all(directory, processes)
        raise
    _write_status(directory, processes)
    _print_summary(directory, as_json=arguments.json)
    return 0


# What the local Snowflake keeps between starts. The local AWS (moto) keeps everything in memory, so a fresh
# start forgets its half too: both halves start empty, and the next plan says truthfully that everything is
# gone and must be created again. The deployer's key (deployer.p8) stays, and is registered again at start.
SNOWFLAKE_STATE = ("catalog.json", "catalog.journal", "duckdb", "stages", "uploads")


def _forget_snowflake_objects(directory: str) -> None:
    for name in SNOWFLAKE_STATE:
        path = os.path.join(directory, name)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            _remove(path)


def _start_aws(arguments: argparse.Namespace) -> dict:
    command = ["infra_emulator.aws", "--host", arguments.host, "--port", str(arguments.aws_port),
               "--dir", arguments.dir]
    for flag, value in (("--delay-ms", arguments.delay_ms), ("--error-rate", arguments.error_rate),
                        ("--errors", arguments.errors), ("--fault-seed", arguments.fault_seed)):
        if value is not None:
            command += [flag, str(value)]
    return _start("aws", command, arguments, arguments.aws_port)


def _start_snowflake(arguments: argparse.Namespace) -> dict:
    command = ["infra_emulator.snowflake", "--host", arguments.host, "--port", str(arguments.snowflake_port),
               "--connector-port", str(arguments.connector_port), "--dir", arguments.dir,
               "--aws-endpoint", f"http://{reachable_host(arguments.host)}:{arguments.aws_port}"]
    entry = _start("snowflake", command, arguments, arguments.snowflake_port)
    entry["connector_port"] = arguments.connector_port
    return entry


def _start(name: str, command: list[str], arguments: argparse.Namespace, port: int) -> dict:
    log_path = os.path.join(arguments.dir, f"{name}.log")
    process = start_detached(command, log_path, _child_environment())
    host = reachable_host(arguments.host)
    return {"pid": process.pid, "host": host, "port": port, "log": log_path,
            "endpoint": f"http://{host}:{port}", "command": command}



def _child_environment() -> dict[str, str]:
    environment = dict(os.environ)
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    existing = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = package_root + (os.pathsep + existing if existing else "")
    environment["PYTHONUNBUFFERED"] = "1"  # log lines reach the log file as they happen
    return environment


def _wait_healthy(label: str, entry: dict, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _healthy(entry):
            return
        if not is_running(entry["pid"]):
            raise LauncherError(f"the {label} emulator exited while starting; "
                                f"last lines of {entry['log']}:\n{_tail(entry['log'])}")
        time.sleep(0.1)
    raise LauncherError(f"the {label} emulator was not healthy within {timeout:g} s at {entry['endpoint']}"
                        f"{HEALTH_PATH}; last lines of {entry['log']}:\n{_tail(entry['log'])}")


def _check_ports_free(arguments: argparse.Namespace) -> None:
    wanted = [("AWS", arguments.aws_port)]
    if not arguments.aws_only:
        wanted += [("Snowflake", arguments.snowflake_port), ("connector", arguments.connector_port)]
    busy = [f"{label} port {port}" for label, port in wanted if not port_is_free(arguments.host, port)]
    if busy:
        raise LauncherError(f"{', '.join(busy)} on {arguments.host} already in use by another program; "
                            "stop it or choose other ports (--aws-port, --snowflake-port, --connector-port)")


def _warn_if_ports_differ(running: dict, arguments: argparse.Namespace, remarks) -> None:
    asked = {"aws": arguments.aws_port, "snowflake": arguments.snowflake_port}
    for name, port in asked.items():
        entry = running.get(name)
        if entry and entry["port"] != port:
            print(f"note: {name} runs on port {entry['port']}, not {port}; run down first to change ports",
                  file=remarks)


# --- down -----------------------------------------------------------------------------------------

def down(arguments: argparse.Namespace) -> int:
    running = read_json(os.path.join(arguments.dir, PIDS_FILE))
    if not running:
        _remove(os.path.join(arguments.dir, STATUS_FILE))
        print("not running")
        return 0
    _stop_all(arguments.dir, running)
    print("stopped")
    return 0


def _stop_all(directory: str, processes: dict) -> None:
    # Both servers are told at once and stop side by side; then each is waited for (and killed if it must be).
    for name in ("snowflake", "aws"):
        if name in processes:
            signal_group(processes[name]["pid"], signal.SIGTERM)
    leftovers = [f"{name} (pid {processes[name]['pid']})" for name in ("snowflake", "aws")
                 if name in processes and not stop_group(processes[name]["pid"])]
    if leftovers:
        raise LauncherError(f"could not stop {', '.join(leftovers)} even with SIGKILL; {PIDS_FILE} kept")
    # The bootstrap's keys die with the AWS server (moto keeps state in memory): remove them too.
    for name in (PIDS_FILE, STATUS_FILE, BOOTSTRAP_FILE):
        _remove(os.path.join(directory, name))


# --- status ---------------------------------------------------------------------------------------

def status(arguments: argparse.Namespace) -> int:
    running = read_json(os.path.join(arguments.dir, PIDS_FILE)) or {}
    if arguments.json:
        recorded = read_json(os.path.join(arguments.dir, STATUS_FILE)) or {}
        live = {name: recorded.get(name) if name in running and is_running(running[name]["pid"]) else None
                for name in ("aws", "snowflake")}
        print(json.dumps(masked(live), indent=2))
        return 0
    if not running:
        print("not running")
        return 0
    for name in ("aws", "snowflake"):
        entry = running.get(name)
        if entry is None:
            print(f"{name:<10} not started" + (" (--aws-only)" if running.get("aws_only") else ""))
            continue
        alive = is_running(entry["pid"])
        state = ("running, healthy" if _healthy(entry) else "running, NOT healthy") if alive else "NOT running"
        where = entry["endpoint"] + (f"  connector {entry['host']}:{entry['connector_port']}"
                                     if "connector_port" in entry else "")
        print(f"{name:<10} {where}  pid {entry['pid']}  {state}  log {entry['log']}")
    return 0


# --- shared ---------------------------------------------------------------------------------------

def status_document(directory: str, processes: dict) -> dict:
    """status.json's content: what infra needs to reach both servers."""
    bootstrap = read_json(os.path.join(directory, BOOTSTRAP_FILE))
    if not bootstrap or "deployer" not in bootstrap:
        raise LauncherError(f"the AWS emulator is up but wrote no usable {directory}/{BOOTSTRAP_FILE}")
    aws = processes["aws"]
    document: dict = {
        "aws": {
            "endpoint": aws["endpoint"],
            "region": bootstrap.get("region", REGION),
            "account_id": bootstrap.get("account_id", ACCOUNT_ID),
            "access_key_id": bootstrap["deployer"]["access_key_id"],
            "secret_access_key": bootstrap["deployer"]["secret_access_key"],
        },
        "snowflake": None,
    }
    snowflake = processes.get("snowflake")
    if snowflake:
        document["snowflake"] = {
            "endpoint": snowflake["endpoint"],
            "account": SNOWFLAKE_ACCOUNT,
            "user": SNOWFLAKE_USER,
            "private_key_file": os.path.join(directory, SNOWFLAKE_KEY_FILE),
            "connector_host": snowflake["host"],
            "connector_port": snowflake["connector_port"],
        }
    return document


def masked(document: dict) -> dict:
    """A copy with every secret replaced by ***, fit to print."""
    def mask(value):
        if isinstance(value, dict):
            return {key: MASK if key == "secret_access_key" else mask(item) for key, item in value.items()}
        return value
    return mask(document)


def _write_status(directory: str, processes: dict) -> None:
    write_json_atomically(os.path.join(directory, STATUS_FILE), status_document(directory, processes), mode=0o600)


def _print_summary(directory: str, as_json: bool) -> None:
    document = masked(read_json(os.path.join(directory, STATUS_FILE)) or {})
    if as_json:
        print(json.dumps(document, indent=2))
        return
    aws = document["aws"]
    print(f"AWS        {aws['endpoint']}  region {aws['region']}, account {aws['account_id']}, "
          f"deployer key {aws['access_key_id']}")
    snowflake = document.get("snowflake")
    if snowflake:
        print(f"Snowflake  {snowflake['endpoint']}  account {snowflake['account']}, user {snowflake['user']}, "
              f"key {snowflake['private_key_file']}")
        print(f"Connector  {snowflake['connector_host']}:{snowflake['connector_port']}")
    else:
        print("Snowflake  not started (--aws-only)")
    print(f"Details in {directory}/{STATUS_FILE}; logs in {directory}/*.log")


def _all_healthy(processes: dict, need_snowflake: bool) -> bool:
    names = ["aws"] + (["snowflake"] if need_snowflake else [])
    return all(name in processes and is_running(processes[name]["pid"]) and _healthy(processes[name])
               for name in names)


def _healthy(entry: dict) -> bool:
    try:
        with urllib.request.urlopen(entry["endpoint"] + HEALTH_PATH, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _record(directory: str, processes: dict) -> None:
    write_json_atomically(os.path.join(directory, PIDS_FILE), processes)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _tail(path: str, lines: int = 20) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:]).rstrip() or "(empty)"
    except OSError:
        return "(no log)"
