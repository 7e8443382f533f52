"""Creates the emulator's IAM users over HTTP, inside moto's allowance of unauthenticated actions.

moto checks SigV4 signatures and IAM policies only once it has served INITIAL_NO_AUTH_ACTION_COUNT
actions (moto.core.authorization.ActionAuthenticatorMixin counts one per authorised action, i.e. per
API call that reaches a backend). The server sets that count to exactly len(BOOTSTRAP_PLAN) calls, so
after the bootstrap every request, from anyone, is authenticated and authorised.

moto keeps state in memory: each start is a fresh account and bootstraps again, with new keys.
"""

import json
import os
from dataclasses import dataclass

import boto3
from botocore.config import Config

from . import ACCOUNT_ID, REGION
from .aws_middleware import BOOTSTRAP_HEADER
from .files import write_json_atomically

BOOTSTRAP_FILE = "aws-bootstrap.json"

ALLOW_EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ALLOW_ASSUME_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}


@dataclass(frozen=True)
class BootstrapUser:
    key: str  # its name in aws-bootstrap.json
    user_name: str
    policy_name: str
    policy: dict
    why: str


BOOTSTRAP_USERS = (
    BootstrapUser("deployer", "infra-deployer", "deployer-all", ALLOW_EVERYTHING,
                  "the key infra deploys with (status.json, the infra-local profile)"),
    BootstrapUser("snowflake_principal", "snowflake-principal", "assume-roles-only", ALLOW_ASSUME_ROLE,
                  "stands for Snowflake's AWS principal (STORAGE_AWS_IAM_USER_ARN); may only assume roles"),
    BootstrapUser("admin", "emulator-admin", "admin-all", ALLOW_EVERYTHING,
                  "the Snowflake emulator reads roles' trust policies with it"),
)
# Each user costs three API calls: CreateUser, PutUserPolicy, CreateAccessKey.
CALLS_PER_USER = 3
BOOTSTRAP_ACTION_COUNT = CALLS_PER_USER * len(BOOTSTRAP_USERS)


def run_bootstrap(endpoint: str, token: str, directory: str) -> dict:
    """Creates the users and their keys, writes DIR/aws-bootstrap.json (mode 0600), returns its content."""
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=REGION,
        # moto does not check these during the bootstrap; they only make botocore sign the requests.
        aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap",
        # A retried call would use up one more unauthenticated action than planned: never retry.
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )

    def mark_as_bootstrap(request, **_):
        request.headers[BOOTSTRAP_HEADER] = token

    iam.meta.events.register("before-send.iam.*", mark_as_bootstrap)

    result: dict = {"region": REGION, "account_id": ACCOUNT_ID}
    for user in BOOTSTRAP_USERS:
        created = iam.create_user(UserName=user.user_name)["User"]
        iam.put_user_policy(UserName=user.user_name, PolicyName=user.policy_name,
                            PolicyDocument=json.dumps(user.policy))
        key = iam.create_access_key(UserName=user.user_name)["AccessKey"]
        result[user.key] = {
            "arn": created["Arn"],
            "access_key_id": key["AccessKeyId"],
            "secret_access_key": key["SecretAccessKey"],
        }
    write_json_atomically(os.path.join(directory, BOOTSTRAP_FILE), result, mode=0o600)
    return result


def describe(bootstrap: dict) -> str:
    """One line per user for the log: ARN and access key id, never the secret."""
    return "; ".join(
        f"{bootstrap[user.key]['arn']} key {bootstrap[user.key]['access_key_id']}" for user in BOOTSTRAP_USERS
    )
