"""Fault and latency injection: /_infra/faults, and what a client sees for each kind of error."""

import time

import pytest
import requests
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError
from conftest_aws import error_of, aws_emulator  # noqa: F401  (a fixture)


@pytest.fixture(autouse=True)
def no_faults_left(aws_emulator):
    aws_emulator.clear_faults()
    yield
    aws_emulator.clear_faults()


def test_settings_round_trip(aws_emulator):
    assert aws_emulator.admin("GET", "faults").json() == {
        "delay_ms": 0, "error_rate": 0.0, "errors": ["429", "500", "503"], "seed": None, "paths_prefix": None}
    changed = aws_emulator.set_faults(error_rate=0.5, errors=["SlowDown"], seed=3)
    assert changed == {"delay_ms": 0, "error_rate": 0.5, "errors": ["SlowDown"], "seed": 3, "paths_prefix": None}
    assert aws_emulator.admin("GET", "faults").json() == changed
    # A partial update keeps the other settings.
    assert aws_emulator.set_faults(delay_ms=10)["errors"] == ["SlowDown"]


@pytest.mark.parametrize("settings, message", [
    ({"error_rate": 1.5}, "error_rate"),
    ({"errors": ["418"]}, "unknown error kind"),
    ({"errors": []}, "non-empty"),
    ({"delay_ms": -1}, "delay_ms"),
    ({"seed": "x"}, "seed"),
    ({"paths_prefix": "bucket"}, "paths_prefix"),
    ({"colour": "red"}, "unknown fault setting"),
])
def test_bad_settings_are_refused_and_change_nothing(aws_emulator, settings, message):
    before = aws_emulator.admin("GET", "faults").json()
    response = aws_emulator.admin("POST", "faults", settings)
    assert response.status_code == 400 and message in response.json()["error"]
    assert aws_emulator.admin("GET", "faults").json() == before


@pytest.mark.parametrize("kind, iam_error, s3_error", [
    ("429", (429, "Throttling"), (503, "SlowDown")),
    ("500", (500, "InternalError"), (500, "InternalError")),
    ("503", (503, "ServiceUnavailable"), (503, "ServiceUnavailable")),
    ("SlowDown", (503, "SlowDown"), (503, "SlowDown")),
])
def test_every_request_fails_at_rate_one(aws_emulator, kind, iam_error, s3_error):
    iam, s3 = aws_emulator.client("iam"), aws_emulator.client("s3")
    aws_emulator.set_faults(error_rate=1.0, errors=[kind])
    for _ in range(3):
        assert error_of(iam.list_users) == iam_error
        assert error_of(s3.list_buckets) == s3_error
    aws_emulator.clear_faults()
    iam.list_users()  # and nothing is broken afterwards


def test_query_api_throttling_body_is_awss(aws_emulator):
    aws_emulator.set_faults(error_rate=1.0, errors=["429"])
    iam = aws_emulator.client("iam")
    seen = {}
    iam.meta.events.register("after-call.iam.ListUsers",
                             lambda http_response, **_: seen.update(body=http_response.text))
    error_of(iam.list_users)
    assert "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>" \
           in seen["body"]
    assert "<RequestId>" in seen["body"]


def test_json_apis_get_json_errors(aws_emulator):
    aws_emulator.set_faults(error_rate=1.0, errors=["429"])
    assert error_of(aws_emulator.client("sqs").list_queues) == (429, "ThrottlingException")


def test_s3_head_errors_have_no_body(aws_emulator):
    aws_emulator.client("s3").create_bucket(Bucket="head-bucket")
    aws_emulator.set_faults(error_rate=1.0, errors=["SlowDown"])
    assert error_of(lambda: aws_emulator.client("s3").head_bucket(Bucket="head-bucket"))[0] == 503


def test_drop_closes_the_connection_without_an_answer(aws_emulator):
    aws_emulator.set_faults(error_rate=1.0, errors=["drop"])
    for client, call in ((aws_emulator.client("iam"), "list_users"), (aws_emulator.client("s3"), "list_buckets")):
        with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
            getattr(client, call)()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{aws_emulator.endpoint}/", timeout=5)
    # The admin endpoints are never faulted, and the server keeps serving.
    assert aws_emulator.admin("GET", "health").status_code == 200
    aws_emulator.clear_faults()
    aws_emulator.client("iam").list_users()


def test_delay_is_added_to_every_request(aws_emulator):
    iam = aws_emulator.client("iam")
    iam.list_users()  # warm: the first call to a service builds moto's app for it
    started = time.monotonic()
    iam.list_users()
    baseline = time.monotonic() - started
    aws_emulator.set_faults(delay_ms=300)
    started = time.monotonic()
    iam.list_users()
    delayed = time.monotonic() - started
    assert delayed >= 0.3
    assert delayed - baseline >= 0.25
    started = time.monotonic()
    aws_emulator.admin("GET", "health")
    assert time.monotonic() - started < 0.3  # admin endpoints are not delayed


def test_a_rate_between_zero_and_one_with_a_seed_is_reproducible(aws_emulator):
    iam = aws_emulator.client("iam")

    def outcomes() -> list[bool]:
        aws_emulator.set_faults(error_rate=0.5, errors=["503"], seed=42)
        results = []
        for _ in range(40):
            try:
                iam.list_users()
                results.append(True)
            except ClientError:
                results.append(False)
        return results

    first = outcomes()
    assert 5 < first.count(False) < 35
    assert outcomes() == first


def test_paths_prefix_limits_faults_to_matching_requests(aws_emulator):
    s3 = aws_emulator.client("s3")
    for bucket in ("flaky-bucket", "steady-bucket"):
        s3.create_bucket(Bucket=bucket)
    aws_emulator.set_faults(error_rate=1.0, errors=["503"], paths_prefix="/flaky-bucket")
    assert error_of(lambda: s3.list_objects_v2(Bucket="flaky-bucket")) == (503, "ServiceUnavailable")
    s3.list_objects_v2(Bucket="steady-bucket")
    aws_emulator.client("iam").list_users()  # path "/" does not match


def test_botocore_retries_through_transient_errors(aws_emulator):
    """With a seed, a 50% error rate and botocore's standard retries, calls still succeed."""
    from botocore.config import Config

    aws_emulator.set_faults(error_rate=0.5, errors=["429", "500", "503"], seed=1)
    retrying = aws_emulator.client("iam", config=Config(retries={"mode": "standard", "total_max_attempts": 10}))
    aws_emulator.reset_counts()
    for _ in range(5):
        retrying.list_users()
    assert aws_emulator.counts()["by_action"]["iam:ListUsers"] > 5  # some calls took more than one request


@pytest.mark.parametrize("kind, seen", [("500-after", (500, "InternalError")), ("drop-after", None)])
def test_after_faults_carry_the_request_out_and_lose_the_answer(aws_emulator, kind, seen):
    iam = aws_emulator.client("iam")  # without retries
    name = f"after-{kind}-{int(time.time() * 1000)}"
    trust = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
    aws_emulator.set_faults(error_rate=1.0, errors=[kind])
    if seen is None:
        with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    else:
        assert error_of(lambda: iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)) == seen
    aws_emulator.clear_faults()
    # The call was carried out: the role exists, and a repeat says so.
    assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name
    assert error_of(lambda: iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)) == (409, "EntityAlreadyExists")
    iam.delete_role(RoleName=name)
