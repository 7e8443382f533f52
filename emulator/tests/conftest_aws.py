"""Shared fixtures and helpers for the local AWS endpoint's tests (test_aws_*.py, test_launcher.py).

Imported explicitly (`from conftest_aws import ...`), not through conftest.py, so that it never
collides with the Snowflake side's fixtures. Every server is real: started on a free port in a temp
folder, reached over HTTP, stopped at the end.
"""

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

EMULATOR_ROOT = Path(__file__).resolve().parent.parent
if str(EMULATOR_ROOT) not in sys.path:
    sys.path.insert(0, str(EMULATOR_ROOT))  # so tests can import infra_emulator's modules directly

REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
# One attempt per call: a test must see exactly what the server answered, not what a retry did.
NO_RETRIES = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30)


def free_port() -> int:
    """A port nothing listens on now: bind port 0 and let the kernel choose."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def error_of(call) -> tuple[int, str]:
    """(HTTP status, AWS error code) of the ClientError that `call()` must raise."""
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def child_environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = str(EMULATOR_ROOT) + (os.pathsep + environment["PYTHONPATH"]
                                                      if environment.get("PYTHONPATH") else "")
    # Clients must use only the keys a test gives them, never the machine's.
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        environment.pop(name, None)
    return environment


def run_launcher(*arguments: str, check: bool = True, python_path: str | None = None) -> subprocess.CompletedProcess:
    """`python -m infra_emulator ARGUMENTS`, as infra runs it; output captured as text."""
    environment = child_environment()
    if python_path:
        environment["PYTHONPATH"] = python_path
    result = subprocess.run([sys.executable, "-m", "infra_emulator", *arguments], capture_output=True, text=True,
                            env=environment, timeout=90)
    if check and result.returncode != 0:
        raise AssertionError(f"launcher {arguments} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def aws_client(endpoint: str, service: str, access_key_id: str, secret_access_key: str,
               session_token: str | None = None, config: Config = NO_RETRIES):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=access_key_id,
                        aws_secret_access_key=secret_access_key, aws_session_token=session_token, config=config)


@dataclass
class AwsEmulator:
    """A running local AWS endpoint and what its bootstrap created."""

    endpoint: str
    directory: Path
    bootstrap: dict

    def client(self, service: str, who: str = "deployer", secret: str | None = None, **options):
        """A boto3 client signed with a bootstrapped user's key (`secret` overrides the real one)."""
        key = self.bootstrap[who]
        return aws_client(self.endpoint, service, key["access_key_id"], secret or key["secret_access_key"],
                          **options)

    def admin(self, method: str, path: str, payload: dict | None = None) -> requests.Response:
        return requests.request(method, f"{self.endpoint}/_infra/{path}", json=payload, timeout=10)

    def set_faults(self, **settings) -> dict:
        response = self.admin("POST", "faults", settings)
        assert response.status_code == 200, response.text
        return response.json()

    def clear_faults(self) -> None:
        self.set_faults(delay_ms=0, error_rate=0.0, errors=["429", "500", "503"], seed=None, paths_prefix=None)

    def counts(self) -> dict:
        return self.admin("GET", "requests").json()

    def reset_counts(self) -> None:
        assert self.admin("POST", "requests/reset").status_code == 200


def start_aws_emulator(directory: Path, *extra: str) -> AwsEmulator:
    """`up --aws-only` on a free port in `directory`."""
    port = free_port()
    run_launcher("up", "--aws-only", "--dir", str(directory), "--aws-port", str(port), *extra)
    bootstrap = json.loads((directory / "aws-bootstrap.json").read_text())
    return AwsEmulator(f"http://127.0.0.1:{port}", directory, bootstrap)


@pytest.fixture(scope="module")
def aws_emulator(tmp_path_factory):
    """One local AWS endpoint per test module (they start in about a second), stopped afterwards."""
    directory = tmp_path_factory.mktemp("aws-emulator")
    emulator = start_aws_emulator(directory)
    try:
        yield emulator
    finally:
        run_launcher("down", "--dir", str(directory), check=False)


class ServerProcess:
    """`python -m infra_emulator.aws` run directly (not through the launcher), for tests that need a
    server nobody else has talked to yet."""

    def __init__(self, directory: Path, *extra: str):
        self.port = free_port()
        self.directory = directory
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = open(directory / "aws.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra_emulator.aws", "--port", str(self.port), "--dir", str(directory), *extra],
            stdout=self.log, stderr=subprocess.STDOUT, env=child_environment())

    def wait_healthy(self, timeout: float = 30) -> "ServerProcess":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.directory / "aws.log").read_text()
            try:
                if requests.get(f"{self.endpoint}/_infra/health", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"not healthy within {timeout} s:\n{(self.directory / 'aws.log').read_text()}")

    def bootstrap(self) -> dict:
        return json.loads((self.directory / "aws-bootstrap.json").read_text())

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def pid_is_live(pid: int) -> bool:
    """True if `pid` runs and is not a zombie (an exited process nobody has reaped yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rfind(")") + 2] != "Z"
    except OSError:
        return True
