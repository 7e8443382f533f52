"""Signatures and IAM policies are enforced after the bootstrap; the bootstrap's users and keys."""

import json
import stat
import time

import pytest
import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from conftest_aws import error_of, ACCOUNT_ID, ServerProcess, aws_client, aws_emulator  # noqa: F401  (a fixture)

TRUST_EXTERNAL_ID = "LOCAL_SFCRole=2_abc123"


def test_bootstrap_file_names_three_users_with_keys(aws_emulator):
    bootstrap = aws_emulator.bootstrap
    assert (bootstrap["region"], bootstrap["account_id"]) == ("us-east-1", ACCOUNT_ID)
    for key, user in (("deployer", "infra-deployer"), ("snowflake_principal", "snowflake-principal"),
                      ("admin", "emulator-admin")):
        assert bootstrap[key]["arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/{user}"
        assert bootstrap[key]["access_key_id"].startswith("AKIA")
        assert len(bootstrap[key]["secret_access_key"]) >= 30
    assert stat.S_IMODE((aws_emulator.directory / "aws-bootstrap.json").stat().st_mode) == 0o600
    identity = aws_emulator.client("sts").get_caller_identity()
    assert (identity["Account"], identity["Arn"]) == (ACCOUNT_ID, bootstrap["deployer"]["arn"])


def test_bootstrap_policies_are_what_they_say(aws_emulator):
    iam = aws_emulator.client("iam", who="admin")
    policies = {user: iam.get_user_policy(UserName=user, PolicyName=name)["PolicyDocument"]
                for user, name in (("infra-deployer", "deployer-all"), ("snowflake-principal", "assume-roles-only"),
                                   ("emulator-admin", "admin-all"))}
    assert policies["infra-deployer"]["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    assert policies["emulator-admin"]["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    assert policies["snowflake-principal"]["Statement"] == [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]


def test_unsigned_requests_are_refused(aws_emulator):
    s3 = requests.get(f"{aws_emulator.endpoint}/", timeout=10)
    assert s3.status_code == 403 and "<Code>AccessDenied</Code>" in s3.text
    put = requests.put(f"{aws_emulator.endpoint}/unsigned-bucket", timeout=10)
    assert put.status_code == 403 and "<Code>AccessDenied</Code>" in put.text
    iam = requests.post(aws_emulator.endpoint, data={"Action": "ListUsers", "Version": "2010-05-08"}, timeout=10)
    assert iam.status_code == 403 and "<Code>MissingAuthenticationToken</Code>" in iam.text
    sigv2 = requests.get(f"{aws_emulator.endpoint}/", headers={"Authorization": "AWS AKIAX:abc"}, timeout=10)
    assert sigv2.status_code == 400 and "AWS4-HMAC-SHA256" in sigv2.text


@pytest.mark.parametrize("service, call", [
    ("s3", lambda client: client.list_buckets()),
    ("iam", lambda client: client.list_users()),
    ("sts", lambda client: client.get_caller_identity()),
    ("sqs", lambda client: client.list_queues()),
])
def test_a_wrong_secret_is_refused(aws_emulator, service, call):
    client = aws_emulator.client(service, secret="not-the-secret-at-all-0000000000000000")
    assert error_of(lambda: call(client)) == (403, "SignatureDoesNotMatch")


def test_an_unknown_key_is_refused(aws_emulator):
    def client(service):
        return aws_client(aws_emulator.endpoint, service, "AKIANOTAKEYATALL0000", "x" * 40)
    assert error_of(lambda: client("iam").list_users()) == (403, "InvalidClientTokenId")
    assert error_of(lambda: client("s3").list_buckets()) == (403, "InvalidAccessKeyId")


def test_the_deployer_key_works_for_s3_iam_sts_sqs(aws_emulator):
    s3 = aws_emulator.client("s3")
    s3.create_bucket(Bucket="deployer-bucket")
    s3.put_object(Bucket="deployer-bucket", Key="dir/file.csv", Body=b"a,b\n1,2\n")
    assert s3.get_object(Bucket="deployer-bucket", Key="dir/file.csv")["Body"].read() == b"a,b\n1,2\n"
    assert aws_emulator.client("iam").get_user()["User"]["UserName"] == "infra-deployer"
    queue = aws_emulator.client("sqs").create_queue(QueueName="deployer-queue")["QueueUrl"]
    assert queue.endswith("/000000000000/deployer-queue")


def test_virtual_host_style_s3_by_host_header(aws_emulator):
    s3 = aws_emulator.client("s3")
    s3.create_bucket(Bucket="virtual-bucket")
    s3.put_object(Bucket="virtual-bucket", Key="k/a.txt", Body=b"hello")
    port = aws_emulator.endpoint.rsplit(":", 1)[1]
    host = f"virtual-bucket.s3.localhost.localstack.cloud:{port}"
    request = AWSRequest(method="GET", url=f"http://{host}/k/a.txt",
                         headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    key = aws_emulator.bootstrap["deployer"]
    S3SigV4Auth(Credentials(key["access_key_id"], key["secret_access_key"]), "s3", "us-east-1").add_auth(request)
    headers = {**dict(request.headers.items()), "Host": host}  # the name need not resolve: connect locally
    response = requests.get(f"{aws_emulator.endpoint}/k/a.txt", headers=headers, timeout=10)
    assert (response.status_code, response.content) == (200, b"hello")


def test_presigned_urls_are_refused_with_a_reason(aws_emulator):
    s3 = aws_emulator.client("s3")
    s3.create_bucket(Bucket="presign-bucket")
    s3.put_object(Bucket="presign-bucket", Key="a.txt", Body=b"x")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "presign-bucket", "Key": "a.txt"})
    response = requests.get(url, timeout=10)
    assert response.status_code == 403 and "presigned URLs are not supported" in response.text


def test_motos_admin_api_is_closed(aws_emulator):
    response = requests.post(f"{aws_emulator.endpoint}/moto-api/reset-auth", data=b"1000", timeout=10)
    assert response.status_code == 403
    # Still enforced afterwards.
    assert error_of(lambda: aws_emulator.client("iam", secret="y" * 40).list_users())[1] == "SignatureDoesNotMatch"


def test_the_snowflake_principal_cannot_create_a_bucket(aws_emulator):
    s3 = aws_emulator.client("s3", who="snowflake_principal")
    assert error_of(lambda: s3.create_bucket(Bucket="principal-bucket")) == (403, "AccessDenied")
    assert error_of(lambda: aws_emulator.client("iam", who="snowflake_principal").list_users()) == (
        403, "AccessDenied")


def test_the_snowflake_principal_assumes_a_role_that_trusts_it(aws_emulator):
    principal_arn = aws_emulator.bootstrap["snowflake_principal"]["arn"]
    iam = aws_emulator.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": principal_arn}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": TRUST_EXTERNAL_ID}}}]}
    role_arn = iam.create_role(RoleName="snowflake-access", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="snowflake-access", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]}))
    s3 = aws_emulator.client("s3")
    s3.create_bucket(Bucket="landing")
    s3.put_object(Bucket="landing", Key="in/1.csv", Body=b"1\n")

    sts = aws_emulator.client("sts", who="snowflake_principal")
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="snowflake",
                                  ExternalId=TRUST_EXTERNAL_ID)["Credentials"]
    assumed = aws_client(aws_emulator.endpoint, "s3", credentials["AccessKeyId"], credentials["SecretAccessKey"],
                         credentials["SessionToken"])
    assert assumed.get_object(Bucket="landing", Key="in/1.csv")["Body"].read() == b"1\n"
    # The role's policy allows reading only.
    assert error_of(lambda: assumed.put_object(Bucket="landing", Key="in/2.csv", Body=b"2"))[1] == "AccessDenied"


def test_what_moto_checks_of_a_trust_policy(aws_emulator):
    """moto 5.2.1 checks the trust policy's principal and a StringEquals sts:ExternalId condition when
    one is sent, but lets a call WITHOUT ExternalId through. The Snowflake emulator enforces trust
    itself; this test records moto's behaviour so a moto upgrade that changes it is noticed."""
    principal_arn = aws_emulator.bootstrap["snowflake_principal"]["arn"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": principal_arn}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": TRUST_EXTERNAL_ID}}}]}
    role_arn = aws_emulator.client("iam").create_role(
        RoleName="trust-probe", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    as_principal = aws_emulator.client("sts", who="snowflake_principal")

    assert as_principal.assume_role(RoleArn=role_arn, RoleSessionName="right", ExternalId=TRUST_EXTERNAL_ID)
    assert error_of(lambda: as_principal.assume_role(RoleArn=role_arn, RoleSessionName="wrong",
                                                     ExternalId="another-id")) == (403, "AccessDenied")
    # Not a principal the trust policy names: refused, even with the right ExternalId.
    as_deployer = aws_emulator.client("sts")
    assert error_of(lambda: as_deployer.assume_role(RoleArn=role_arn, RoleSessionName="other",
                                                    ExternalId=TRUST_EXTERNAL_ID)) == (403, "AccessDenied")
    # moto's gap: no ExternalId at all passes (AWS would refuse it).
    assert as_principal.assume_role(RoleArn=role_arn, RoleSessionName="none")["Credentials"]["AccessKeyId"]


def test_the_first_request_after_the_bootstrap_is_already_checked(tmp_path):
    """The unauthenticated allowance is exactly the bootstrap's: nobody gets a free action after it."""
    server = ServerProcess(tmp_path).wait_healthy()
    try:
        response = requests.post(server.endpoint, data={"Action": "CreateUser", "UserName": "intruder",
                                                        "Version": "2010-05-08"}, timeout=10)
        assert response.status_code == 403
        deployer = server.bootstrap()["deployer"]
        signed_wrong = aws_client(server.endpoint, "iam", deployer["access_key_id"], "z" * 40)
        assert error_of(lambda: signed_wrong.create_user(UserName="intruder")) == (403, "SignatureDoesNotMatch")
    finally:
        server.stop()


def test_requests_during_the_bootstrap_wait(tmp_path):
    """Until the bootstrap is done, only its own requests reach moto: others get 503 and use up nothing."""
    server = ServerProcess(tmp_path)
    try:
        statuses = set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                health = requests.get(f"{server.endpoint}/_infra/health", timeout=1)
            except requests.ConnectionError:
                continue
            if health.status_code == 200:
                break
            statuses.add(health.status_code)
            early = requests.post(server.endpoint, data={"Action": "ListUsers", "Version": "2010-05-08"}, timeout=5)
            assert early.status_code in (503, 403)  # 403 only if the bootstrap finished in between
        assert statuses <= {503}
        server.wait_healthy()
    finally:
        server.stop()


@pytest.mark.parametrize("key", ["a/b.csv", "a b.csv", "a+b.csv", "é.csv", "a=b&c.csv", "x/y/z%.csv"])
def test_signed_requests_whose_url_needs_escaping(aws_emulator, key):
    """moto recomputes signatures over werkzeug's decoded URL; aws_moto makes it use the raw one."""
    s3 = aws_emulator.client("s3")
    s3.create_bucket(Bucket="escaping-bucket")
    s3.put_object(Bucket="escaping-bucket", Key=key, Body=b"v")
    assert s3.get_object(Bucket="escaping-bucket", Key=key)["Body"].read() == b"v"
    prefix = key[:2]
    listed = s3.list_objects_v2(Bucket="escaping-bucket", Prefix=prefix, Delimiter="/")
    names = [item["Key"] for item in listed.get("Contents", [])] + [p["Prefix"] for p in listed.get("CommonPrefixes", [])]
    assert any(key == name or key.startswith(name) for name in names), names


def test_the_log_has_no_secrets(aws_emulator):
    s3 = aws_emulator.client("s3")
    s3.create_bucket(Bucket="log-bucket")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "log-bucket", "Key": "k"})
    requests.get(url, timeout=10)
    log = (aws_emulator.directory / "aws.log").read_text()
    for user in ("deployer", "snowflake_principal", "admin"):
        assert aws_emulator.bootstrap[user]["secret_access_key"] not in log
    signature = url.split("Signature=")[1].split("&")[0]
    assert signature not in log and "Signature=***" in log
