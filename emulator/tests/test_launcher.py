"""The launcher: `python -m infra_emulator up|down|status [--json] --dir DIR`, as infra runs it."""

import json
import shutil
import socket
import stat
import subprocess
import sys
import time

import pytest
import requests
from conftest_aws import EMULATOR_ROOT, child_environment, free_port, pid_is_live, run_launcher

STATUS_KEYS_AWS = ["endpoint", "region", "account_id", "access_key_id", "secret_access_key"]


@pytest.fixture
def state_dir(tmp_path):
    directory = tmp_path / "local"
    yield directory
    run_launcher("down", "--dir", str(directory), check=False)  # never leave a server behind


def test_up_status_down_with_aws_only(state_dir):
    port = free_port()
    up = run_launcher("up", "--aws-only", "--dir", str(state_dir), "--aws-port", str(port))
    status = json.loads((state_dir / "status.json").read_text())
    bootstrap = json.loads((state_dir / "aws-bootstrap.json").read_text())
    pids = json.loads((state_dir / "pids.json").read_text())

    assert list(status) == ["aws", "snowflake"]
    assert list(status["aws"]) == STATUS_KEYS_AWS
    assert status["aws"]["endpoint"] == f"http://127.0.0.1:{port}"
    assert (status["aws"]["region"], status["aws"]["account_id"]) == ("us-east-1", "000000000000")
    assert status["aws"]["access_key_id"] == bootstrap["deployer"]["access_key_id"]
    assert status["aws"]["secret_access_key"] == bootstrap["deployer"]["secret_access_key"]
    assert status["snowflake"] is None
    # Files holding secrets are readable by their owner only; the secret is never printed.
    assert stat.S_IMODE((state_dir / "status.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((state_dir / "aws-bootstrap.json").stat().st_mode) == 0o600
    assert bootstrap["deployer"]["secret_access_key"] not in up.stdout + up.stderr
    assert bootstrap["deployer"]["secret_access_key"] not in (state_dir / "aws.log").read_text()

    assert requests.get(f"http://127.0.0.1:{port}/_infra/health", timeout=5).json() == {"ok": True}
    pid = pids["aws"]["pid"]
    assert pid_is_live(pid)

    human = run_launcher("status", "--dir", str(state_dir)).stdout
    assert f"http://127.0.0.1:{port}" in human and "running, healthy" in human
    as_json = run_launcher("status", "--json", "--dir", str(state_dir)).stdout
    shown = json.loads(as_json)
    assert shown["aws"]["secret_access_key"] == "***"
    assert shown["aws"]["access_key_id"] == status["aws"]["access_key_id"]
    assert status["aws"]["secret_access_key"] not in as_json

    down = run_launcher("down", "--dir", str(state_dir))
    assert "stopped" in down.stdout
    assert not pid_is_live(pid)
    for gone in ("pids.json", "status.json", "aws-bootstrap.json"):
        assert not (state_dir / gone).exists(), gone
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))  # the port is free again

    assert "not running" in run_launcher("down", "--dir", str(state_dir)).stdout  # idempotent
    assert "not running" in run_launcher("status", "--dir", str(state_dir)).stdout
    assert json.loads(run_launcher("status", "--json", "--dir", str(state_dir)).stdout) == {
        "aws": None, "snowflake": None}


def test_up_is_idempotent(state_dir):
    port = str(free_port())
    run_launcher("up", "--aws-only", "--dir", str(state_dir), "--aws-port", port)
    first = json.loads((state_dir / "pids.json").read_text())["aws"]["pid"]
    key = json.loads((state_dir / "status.json").read_text())["aws"]["access_key_id"]

    again = run_launcher("up", "--aws-only", "--dir", str(state_dir), "--aws-port", port)
    assert "already running" in again.stdout
    assert json.loads((state_dir / "pids.json").read_text())["aws"]["pid"] == first
    assert json.loads((state_dir / "status.json").read_text())["aws"]["access_key_id"] == key

    as_json = run_launcher("up", "--aws-only", "--json", "--dir", str(state_dir), "--aws-port", port)
    assert json.loads(as_json.stdout)["aws"]["secret_access_key"] == "***"  # stdout is only the JSON
    assert "already running" in as_json.stderr


def test_up_replaces_a_stale_record(state_dir):
    port = str(free_port())
    run_launcher("up", "--aws-only", "--dir", str(state_dir), "--aws-port", port)
    pids = json.loads((state_dir / "pids.json").read_text())
    run_launcher("down", "--dir", str(state_dir))
    (state_dir / "pids.json").write_text(json.dumps(pids))  # as if the machine had rebooted

    assert "running, healthy" not in run_launcher("status", "--dir", str(state_dir)).stdout
    up = run_launcher("up", "--aws-only", "--dir", str(state_dir), "--aws-port", port)
    assert "stale" in up.stderr
    assert json.loads((state_dir / "pids.json").read_text())["aws"]["pid"] != pids["aws"]["pid"]
    assert requests.get(f"http://127.0.0.1:{port}/_infra/health", timeout=5).status_code == 200


def test_up_refuses_a_busy_port(state_dir):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = run_launcher("up", "--aws-only", "--dir", str(state_dir), "--aws-port", str(port), check=False)
    assert result.returncode == 1
    assert f"AWS port {port}" in result.stderr and "already in use" in result.stderr
    assert not (state_dir / "pids.json").exists()


def test_up_needs_the_snowflake_module_unless_aws_only(state_dir, tmp_path):
    # A copy of the package without the Snowflake side, whether or not this checkout has it yet.
    package_copy = tmp_path / "without-snowflake"
    shutil.copytree(EMULATOR_ROOT / "infra_emulator", package_copy / "infra_emulator",
                    ignore=shutil.ignore_patterns("snowflake", "snowflake.py", "__pycache__"))
    result = run_launcher("up", "--dir", str(state_dir), "--aws-port", str(free_port()),
                          check=False, python_path=str(package_copy))
    assert result.returncode == 1
    assert "infra_emulator.snowflake" in result.stderr and "--aws-only" in result.stderr
    assert not (state_dir / "pids.json").exists()


def test_fault_flags_at_start_reach_the_server(state_dir):
    port = free_port()
    run_launcher("up", "--aws-only", "--dir", str(state_dir), "--aws-port", str(port),
                 "--delay-ms", "5", "--error-rate", "0.25", "--errors", "503,drop", "--fault-seed", "7")
    faults = requests.get(f"http://127.0.0.1:{port}/_infra/faults", timeout=5).json()
    assert faults == {"delay_ms": 5, "error_rate": 0.25, "errors": ["503", "drop"], "seed": 7, "paths_prefix": None}


def test_bad_fault_flags_fail_clearly(state_dir):
    result = run_launcher("up", "--aws-only", "--dir", str(state_dir), "--aws-port", str(free_port()),
                          "--errors", "418", check=False)
    assert result.returncode == 1
    assert "exited while starting" in result.stderr and "unknown error kind" in result.stderr
    assert not (state_dir / "pids.json").exists()



def test_stop_group_kills_what_ignores_sigterm_and_its_children(tmp_path):
    from infra_emulator.processes import STOP_GRACE_SECONDS, stop_group

    # A server that ignores SIGTERM and has a child of its own; "infra_emulator" marks it as ours.
    stubborn = ("import signal, subprocess, sys, time  # infra_emulator test\n"
                "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                "print(child.pid, flush=True)\n"
                "time.sleep(60)\n")
    log = tmp_path / "stubborn.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "-c", stubborn], stdout=output, start_new_session=True)
    deadline = time.monotonic() + 10
    while not log.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(log.read_text().split()[0])

    started = time.monotonic()
    assert stop_group(process.pid)
    assert time.monotonic() - started >= STOP_GRACE_SECONDS - 0.5  # SIGTERM was tried first
    process.wait(timeout=5)
    assert not pid_is_live(child)


# A stand-in for the Snowflake server, to test the launcher's full path whatever state the real one is
# in: it takes the launcher's arguments, serves /_infra/health, and records what it was given.
FAKE_SNOWFLAKE = '''
import argparse, json, os, sys, http.server  # infra_emulator fake snowflake
parser = argparse.ArgumentParser()
for name in ("--host", "--port", "--connector-port", "--dir", "--aws-endpoint"):
    parser.add_argument(name, required=True)
arguments = parser.parse_args()
if os.environ.get("FAKE_SNOWFLAKE_FAILS"):
    sys.exit("fake snowflake: failing on purpose")
with open(os.path.join(arguments.dir, "fake-snowflake-arguments.json"), "w") as out:
    json.dump(vars(arguments), out)

class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/_infra/health" else 404)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

http.server.HTTPServer((arguments.host, int(arguments.port)), Health).serve_forever()
'''


@pytest.fixture
def package_with_fake_snowflake(tmp_path):
    package_copy = tmp_path / "with-fake-snowflake"
    shutil.copytree(EMULATOR_ROOT / "infra_emulator", package_copy / "infra_emulator",
                    ignore=shutil.ignore_patterns("snowflake", "snowflake.py", "__pycache__"))
    fake = package_copy / "infra_emulator" / "snowflake"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text(FAKE_SNOWFLAKE)
    return str(package_copy)


def test_up_starts_both_servers_and_down_stops_both(state_dir, package_with_fake_snowflake):
    aws_port, snowflake_port, connector_port = free_port(), free_port(), free_port()
    run_launcher("up", "--dir", str(state_dir), "--aws-port", str(aws_port), "--snowflake-port", str(snowflake_port),
                 "--connector-port", str(connector_port), python_path=package_with_fake_snowflake)

    status = json.loads((state_dir / "status.json").read_text())
    assert status["snowflake"] == {
        "endpoint": f"http://127.0.0.1:{snowflake_port}", "account": "LOCAL", "user": "DEPLOYER",
        "private_key_file": str(state_dir / "deployer.p8"), "connector_host": "127.0.0.1",
        "connector_port": connector_port}
    given = json.loads((state_dir / "fake-snowflake-arguments.json").read_text())
    assert given == {"host": "127.0.0.1", "port": str(snowflake_port), "connector_port": str(connector_port),
                     "dir": str(state_dir), "aws_endpoint": f"http://127.0.0.1:{aws_port}"}
    pids = json.loads((state_dir / "pids.json").read_text())
    human = run_launcher("status", "--dir", str(state_dir), python_path=package_with_fake_snowflake).stdout
    assert human.count("running, healthy") == 2 and f"connector 127.0.0.1:{connector_port}" in human

    again = run_launcher("up", "--dir", str(state_dir), "--aws-port", str(aws_port), "--snowflake-port",
                         str(snowflake_port), "--connector-port", str(connector_port),
                         python_path=package_with_fake_snowflake)
    assert "already running" in again.stdout

    run_launcher("down", "--dir", str(state_dir), python_path=package_with_fake_snowflake)
    assert not pid_is_live(pids["aws"]["pid"]) and not pid_is_live(pids["snowflake"]["pid"])
    assert not (state_dir / "pids.json").exists() and not (state_dir / "status.json").exists()


def test_a_snowflake_server_that_fails_stops_everything(state_dir, package_with_fake_snowflake, monkeypatch):
    monkeypatch.setenv("FAKE_SNOWFLAKE_FAILS", "1")
    result = run_launcher("up", "--dir", str(state_dir), "--aws-port", str(free_port()), "--snowflake-port",
                          str(free_port()), "--connector-port", str(free_port()),
                          python_path=package_with_fake_snowflake, check=False)
    assert result.returncode == 1
    assert "Snowflake emulator exited while starting" in result.stderr and "failing on purpose" in result.stderr
    assert not (state_dir / "pids.json").exists() and not (state_dir / "status.json").exists()
    aws_log = (state_dir / "aws.log").read_text()
    assert "stopping" in aws_log  # the AWS server it had started was stopped again


def test_two_ups_at_once_start_one_server(state_dir):
    port = str(free_port())
    command = [sys.executable, "-m", "infra_emulator", "up", "--aws-only", "--dir", str(state_dir), "--aws-port", port]
    both = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=child_environment()) for _ in range(2)]
    outputs = [process.communicate(timeout=90) for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    assert sum("already running" in out for out, _ in outputs) == 1


def test_a_fresh_start_begins_both_halves_empty_and_keeps_the_deployer_key(state_dir, package_with_fake_snowflake):
    """moto forgets everything when it stops; so does the local Snowflake, so that no half outlives the other."""
    state_dir.mkdir(parents=True)
    for name in ("catalog.json", "duckdb/SALES.db", "stages/DB/S/ST/a.json", "uploads/x"):
        (state_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (state_dir / name).write_text("from the previous start")
    (state_dir / "deployer.p8").write_text("the deployer's key")
    ports = [str(free_port()) for _ in range(3)]
    run_launcher("up", "--dir", str(state_dir), "--aws-port", ports[0], "--snowflake-port", ports[1],
                 "--connector-port", ports[2], python_path=package_with_fake_snowflake)
    for name in ("catalog.json", "duckdb", "stages", "uploads"):
        assert not (state_dir / name).exists(), name
    assert (state_dir / "deployer.p8").read_text() == "the deployer's key"
    # Already running: nothing is forgotten.
    (state_dir / "catalog.json").write_text("made while running")
    run_launcher("up", "--dir", str(state_dir), "--aws-port", ports[0], "--snowflake-port", ports[1],
                 "--connector-port", ports[2], python_path=package_with_fake_snowflake)
    assert (state_dir / "catalog.json").read_text() == "made while running"
