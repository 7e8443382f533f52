"""Shared fixtures for the Snowflake emulator's tests (imported explicitly by test_snowflake_*.py).

`snowflake_server` runs the real server as a subprocess on free ports in a temp dir; `SqlApi` talks to it
over HTTP with real key-pair JWTs; `moto_aws` runs a local AWS with the launcher's bootstrap users and
writes the same aws-bootstrap.json the launcher's AWS side writes.
"""

from __future__ import annotations

import atexit
import base64
import gzip
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
import jwt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# The launcher's local AWS runs moto as account 000000000000; so does the one the tests start.
os.environ.setdefault("MOTO_ACCOUNT_ID", "000000000000")

EMULATOR_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACCOUNT = "LOCAL"
TEST_WAREHOUSE = "TEST_WH"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_private_key(path: str) -> rsa.RSAPrivateKey:
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)  # type: ignore[return-value]


def public_key_body(private: rsa.RSAPrivateKey) -> str:
    der = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def make_jwt(private: rsa.RSAPrivateKey, user: str = "DEPLOYER", account: str = ACCOUNT, lifetime: int = 3600,
             issued_at: float | None = None, fingerprint_key: rsa.RSAPrivateKey | None = None,
             subject: str | None = None) -> str:
    """A key-pair JWT as Snowflake's clients build it; the optional arguments make broken ones."""
    der = (fingerprint_key or private).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fp = "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    now = int(time.time() if issued_at is None else issued_at)
    claims = {"iss": f"{account}.{user}.{fp}", "sub": subject or f"{account}.{user}", "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, private, algorithm="RS256")


class StatementFailed(Exception):
    def __init__(self, status: int, body: dict[str, Any]):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body
        self.code = body.get("code")
        self.message = body.get("message", "")


@dataclass
class SqlApi:
    """A minimal SQL API v2 client, as the Swift side's would be."""

    base: str
    key: rsa.RSAPrivateKey
    user: str = "DEPLOYER"
    http: requests.Session = field(default_factory=requests.Session)

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token or make_jwt(self.key, self.user)}",
            "X-Snowflake-Authorization-Token-Type": "KEYPAIR_JWT",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def submit(self, statement: str, *, params: dict[str, str] | None = None, token: str | None = None,
               **body: Any) -> requests.Response:
        return self.http.post(f"{self.base}/api/v2/statements", params=params or {},
                              data=json.dumps({"statement": statement, **body}), headers=self.headers(token),
                              timeout=60)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(f"{self.base}{path}", params=params, headers=self.headers(), timeout=60)

    def post(self, path: str) -> requests.Response:
        return self.http.post(f"{self.base}{path}", headers=self.headers(), timeout=60)

    def query(self, statement: str, **body: Any) -> dict[str, Any]:
        """The whole 200 answer, or StatementFailed."""
        response = self.submit(statement, **body)
        if response.status_code != 200:
            raise StatementFailed(response.status_code, response.json())
        return response.json()

    def rows(self, statement: str, **body: Any) -> list[dict[str, Any]]:
        """The result as dicts by column name (every value text or None), all partitions."""
        answer = self.query(statement, **body)
        names = [c["name"] for c in answer["resultSetMetaData"]["rowType"]]
        data = list(answer["data"])
        for index in range(1, len(answer["resultSetMetaData"]["partitionInfo"])):
            part = self.get(f"/api/v2/statements/{answer['statementHandle']}", partition=index)
            data.extend(part.json()["data"])
        return [dict(zip(names, row)) for row in data]

    def run(self, *statements: str, **body: Any) -> None:
        for s in statements:
            self.query(s, **body)

    def multi(self, statement: str, count: int | str, **body: Any) -> dict[str, Any]:
        """Several statements in one request, in a session with a warehouse (Snowflake requires one for that)."""
        self.query(f"CREATE WAREHOUSE IF NOT EXISTS {TEST_WAREHOUSE}")
        return self.query(statement, parameters={"MULTI_STATEMENT_COUNT": count}, warehouse=TEST_WAREHOUSE, **body)


@dataclass
class SnowflakeServer:
    directory: str
    port: int
    connector_port: int
    process: subprocess.Popen
    aws_endpoint: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def key(self) -> rsa.RSAPrivateKey:
        return load_private_key(os.path.join(self.directory, "deployer.p8"))

    def api(self) -> SqlApi:
        return SqlApi(self.base, self.key())

    def connect(self, **kwargs: Any) -> Any:
        import snowflake.connector

        return snowflake.connector.connect(account=ACCOUNT, user="DEPLOYER", password="x", host="127.0.0.1",
                                           port=self.connector_port, protocol="http", login_timeout=20,
                                           network_timeout=60, **kwargs)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(directory: str, aws_endpoint: str = "http://127.0.0.1:1", extra: list[str] | None = None,
                 ports: tuple[int, int] | None = None) -> SnowflakeServer:
    port, connector_port = ports or (free_port(), free_port())
    log = open(os.path.join(directory, "server.log"), "ab")
    env = {**os.environ, "PYTHONPATH": EMULATOR_DIR}
    process = subprocess.Popen(
        [sys.executable, "-m", "infra_emulator.snowflake", "--host", "127.0.0.1", "--port", str(port),
         "--connector-port", str(connector_port), "--dir", directory, "--aws-endpoint", aws_endpoint, *(extra or [])],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    server = SnowflakeServer(directory, port, connector_port, process, aws_endpoint)
    deadline = time.time() + 30
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: see {directory}/server.log")
        try:
            if requests.get(f"{server.base}/_infra/health", timeout=1).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("server did not become healthy in 30 s")


@pytest.fixture(scope="module")
def snowflake_server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    """A server per test module; with a moto_aws fixture in the module, pointed at it."""
    directory = str(tmp_path_factory.mktemp("snowflake"))
    aws_endpoint = "http://127.0.0.1:1"
    if "moto_aws" in request.fixturenames:
        aws = request.getfixturevalue("moto_aws")
        aws.write_bootstrap(directory)
        aws_endpoint = aws.endpoint
    server = start_server(directory, aws_endpoint)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api(snowflake_server: SnowflakeServer) -> SqlApi:
    return snowflake_server.api()


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}".upper()


# -- a local AWS with the launcher's users ---------------------------------------------------------

ALLOW_EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ALLOW_ASSUME_ROLE = {"Version": "2012-10-17",
                     "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}


@dataclass
class MotoAws:
    endpoint: str
    bootstrap: dict[str, Any]

    def write_bootstrap(self, directory: str) -> None:
        path = os.path.join(directory, "aws-bootstrap.json")
        with open(path, "w") as f:
            json.dump(self.bootstrap, f)
        os.chmod(path, 0o600)

    def client(self, service: str, who: str = "deployer") -> Any:
        user = self.bootstrap[who]
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=user["access_key_id"], aws_secret_access_key=user["secret_access_key"])


_moto: MotoAws | None = None


def start_moto() -> MotoAws:
    """moto with SigV4 and IAM enforced after a bootstrap of three users, like the launcher's AWS side.

    One per test process: moto's backends are process-wide, so a second server would see the same users (and
    test modules importing the fixture each get their own fixture definition, hence this module-level one).
    """
    global _moto
    if _moto is not None:
        return _moto
    from moto import settings
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    atexit.register(server.stop)
    endpoint = f"http://127.0.0.1:{port}"
    settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bootstrap",
                       aws_secret_access_key="bootstrap")
    bootstrap: dict[str, Any] = {"region": "us-east-1", "account_id": "000000000000"}
    for key, name, policy in (("deployer", "infra-deployer", ALLOW_EVERYTHING),
                              ("snowflake_principal", "snowflake-principal", ALLOW_ASSUME_ROLE),
                              ("admin", "emulator-admin", ALLOW_EVERYTHING)):
        created = iam.create_user(UserName=name)["User"]
        iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy))
        access = iam.create_access_key(UserName=name)["AccessKey"]
        bootstrap[key] = {"arn": created["Arn"], "access_key_id": access["AccessKeyId"],
                          "secret_access_key": access["SecretAccessKey"]}
    # From here on moto checks signatures and IAM policies on every request.
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    _moto = MotoAws(endpoint, bootstrap)
    return _moto


@pytest.fixture(scope="session")
def moto_aws() -> MotoAws:
    return start_moto()


# -- an S3 stage behind a storage integration ------------------------------------------------------

S3_READ = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation", "s3:DeleteObject"]


class StageSetup:
    """A bucket, an integration, a role trusting it, a stage and a database to load into."""

    def __init__(self, api: SqlApi, aws: MotoAws, *, trust: str = "good", deny: list[str] | None = None,
                 blocked: str | None = None):
        self.api, self.aws = api, aws
        self.bucket = f"data-{uuid.uuid4().hex[:10]}"
        self.db, self.integration, self.role_name = unique("DB"), unique("INT"), unique("role").lower()
        self.role_arn = f"arn:aws:iam::000000000000:role/{self.role_name}"
        self.s3 = aws.client("s3")
        self.s3.create_bucket(Bucket=self.bucket)
        blocked_clause = f" STORAGE_BLOCKED_LOCATIONS = ('s3://{self.bucket}/{blocked}')" if blocked else ""
        api.run(f"CREATE STORAGE INTEGRATION {self.integration} TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' "
                f"ENABLED = TRUE STORAGE_AWS_ROLE_ARN = '{self.role_arn}' "
                f"STORAGE_ALLOWED_LOCATIONS = ('s3://{self.bucket}/data/'){blocked_clause}")
        props = {r["property"]: r["property_value"] for r in api.rows(f"DESC INTEGRATION {self.integration}")}
        self.principal = props["STORAGE_AWS_IAM_USER_ARN"]
        self.external_id = props["STORAGE_AWS_EXTERNAL_ID"]
        assert self.principal == aws.bootstrap["snowflake_principal"]["arn"]
        iam = aws.client("iam")
        iam.create_role(RoleName=self.role_name, AssumeRolePolicyDocument=json.dumps(self.trust_policy(trust)))
        statements = [{"Effect": "Allow", "Action": S3_READ,
                       "Resource": [f"arn:aws:s3:::{self.bucket}", f"arn:aws:s3:::{self.bucket}/*"]}]
        if deny:
            statements.append({"Effect": "Deny", "Action": deny, "Resource": [f"arn:aws:s3:::{self.bucket}/*"]})
        iam.put_role_policy(RoleName=self.role_name, PolicyName="read",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
        api.run(f"CREATE DATABASE {self.db}", f"CREATE SCHEMA {self.db}.RAW",
                f"CREATE STAGE {self.db}.RAW.LANDING URL = 's3://{self.bucket}/data/' "
                f"STORAGE_INTEGRATION = {self.integration}")

    def trust_policy(self, kind: str) -> dict:
        statement: dict = {"Effect": "Allow", "Principal": {"AWS": self.principal}, "Action": "sts:AssumeRole",
                           "Condition": {"StringEquals": {"sts:ExternalId": self.external_id}}}
        if kind == "wrong_external_id":
            statement["Condition"]["StringEquals"]["sts:ExternalId"] = "someone-else"
        elif kind == "no_condition":
            del statement["Condition"]
        elif kind == "wrong_principal":
            statement["Principal"] = {"AWS": "arn:aws:iam::000000000000:user/somebody"}
        elif kind == "account_root":
            statement["Principal"] = {"AWS": "arn:aws:iam::000000000000:root"}
        return {"Version": "2012-10-17", "Statement": [statement]}

    def put(self, key: str, body: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=f"data/{key}", Body=body)

    def table(self, name: str, columns: str) -> str:
        full = f"{self.db}.RAW.{name}"
        self.api.run(f"CREATE TABLE {full} ({columns})")
        return full



def ndjson(rows: list[dict], compress: bool = False) -> bytes:
    body = "\n".join(json.dumps(r) for r in rows).encode()
    return gzip.compress(body) if compress else body


def parquet(rows: list[dict]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink)
    return sink.getvalue()
