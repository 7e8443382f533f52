"""The local AWS (moto) as Snowflake's storage integrations see it.

Keys come from DIR/aws-bootstrap.json, written by the launcher's AWS side at each of its starts (moto keeps
no state across restarts, so the keys change): it is read again whenever it changes.
"""

from __future__ import annotations

import json
import os
import re
import threading
from typing import Any

import boto3
from botocore.config import Config

BOOTSTRAP_FILE = "aws-bootstrap.json"
DEFAULT_ACCOUNT_ID = "000000000000"
DEFAULT_REGION = "us-east-1"
# Before the AWS side has written its bootstrap, integrations still need an IAM user to report.
DEFAULT_PRINCIPAL_ARN = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:user/snowflake-principal"


class AwsUnavailable(Exception):
    """The local AWS is not reachable or has not written its bootstrap file."""


class AwsAccess:
    def __init__(self, directory: str, endpoint: str):
        self.directory = directory
        self.endpoint = endpoint
        self._lock = threading.Lock()
        self._bootstrap: dict[str, Any] | None = None
        self._bootstrap_stamp: tuple[float, int] | None = None

    def bootstrap(self) -> dict[str, Any] | None:
        """The current aws-bootstrap.json, or None before the AWS side has written one."""
        path = os.path.join(self.directory, BOOTSTRAP_FILE)
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return None
        stamp = (stat.st_mtime, stat.st_size)
        with self._lock:
            if stamp != self._bootstrap_stamp:
                with open(path, encoding="utf-8") as f:
                    self._bootstrap = json.load(f)
                self._bootstrap_stamp = stamp
            return self._bootstrap

    def require_bootstrap(self) -> dict[str, Any]:
        bootstrap = self.bootstrap()
        if bootstrap is None:
            raise AwsUnavailable(f"the local AWS has not written {BOOTSTRAP_FILE} yet")
        return bootstrap

    @property
    def region(self) -> str:
        return (self.bootstrap() or {}).get("region", DEFAULT_REGION)

    @property
    def account_id(self) -> str:
        return (self.bootstrap() or {}).get("account_id", DEFAULT_ACCOUNT_ID)

    def principal_arn(self) -> str:
        """The IAM user Snowflake assumes roles as (an integration's STORAGE_AWS_IAM_USER_ARN)."""
        bootstrap = self.bootstrap()
        return bootstrap["snowflake_principal"]["arn"] if bootstrap else DEFAULT_PRINCIPAL_ARN

    def client(self, service: str, who: str = "admin", credentials: dict[str, str] | None = None) -> Any:
        """A boto3 client on the local AWS, as a bootstrap user or with temporary credentials."""
        if credentials is None:
            user = self.require_bootstrap()[who]
            credentials = {"aws_access_key_id": user["access_key_id"], "aws_secret_access_key": user["secret_access_key"]}
        client = boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30,
                          s3={"addressing_style": "path"}),
            **credentials,
        )
        if service == "s3":
            client.meta.events.register("before-sign.s3", _slashes_unescaped_in_query)
        return client


def _slashes_unescaped_in_query(request: Any, **_: Any) -> None:
    """Sends and signs `/` in the query string as is (`prefix=data/`, not `prefix=data%2F`).

    moto's server checks a signature against the URL as Werkzeug rebuilds it, with `%2F` decoded to `/`, so
    a request signed over `%2F` (as botocore signs a Prefix or ContinuationToken) fails with
    SignatureDoesNotMatch once moto enforces signatures. Both forms mean the same to S3.
    """
    base, separator, query = request.url.partition("?")
    if separator:
        request.url = base + "?" + re.sub("%2[Ff]", "/", query)
