"""Request counting (/_infra/requests): what infra's tests use to measure how many calls a refresh makes."""

import io

import pytest
import requests
from botocore.exceptions import ClientError
from conftest_aws import aws_emulator  # noqa: F401  (a fixture)
from infra_emulator.aws_actions import classify


def test_counts_by_service_and_action(aws_emulator):
    s3, iam, sts, sqs = (aws_emulator.client(name) for name in ("s3", "iam", "sts", "sqs"))
    s3.create_bucket(Bucket="counted-bucket")  # before the reset: not counted
    aws_emulator.reset_counts()
    assert aws_emulator.counts() == {"total": 0, "by_action": {}}

    s3.get_bucket_versioning(Bucket="counted-bucket")
    s3.get_bucket_versioning(Bucket="counted-bucket")
    s3.put_object(Bucket="counted-bucket", Key="a/b.csv", Body=b"1")
    s3.list_objects_v2(Bucket="counted-bucket", Prefix="a/")
    s3.head_object(Bucket="counted-bucket", Key="a/b.csv")
    s3.get_bucket_notification_configuration(Bucket="counted-bucket")
    iam.get_user()
    sts.get_caller_identity()
    sqs.create_queue(QueueName="counted-queue")
    aws_emulator.admin("GET", "health")  # admin endpoints are never counted

    assert aws_emulator.counts() == {"total": 9, "by_action": {
        "iam:GetUser": 1,
        "s3:GetBucketNotificationConfiguration": 1,
        "s3:GetBucketVersioning": 2,
        "s3:HeadObject": 1,
        "s3:ListObjectsV2": 1,
        "s3:PutObject": 1,
        "sqs:CreateQueue": 1,
        "sts:GetCallerIdentity": 1,
    }}
    reset = aws_emulator.admin("POST", "requests/reset")
    assert reset.json() == {"total": 0, "by_action": {}}


def test_refused_and_faulted_requests_count_too(aws_emulator):
    aws_emulator.reset_counts()
    requests.post(aws_emulator.endpoint, data={"Action": "ListRoles", "Version": "2010-05-08"}, timeout=10)
    with pytest.raises(ClientError):
        aws_emulator.client("iam", secret="w" * 40).list_roles()
    aws_emulator.set_faults(error_rate=1.0, errors=["503"])
    try:
        with pytest.raises(ClientError):
            aws_emulator.client("iam").list_roles()
    finally:
        aws_emulator.clear_faults()
    assert aws_emulator.counts() == {"total": 3, "by_action": {"iam:ListRoles": 3}}


def test_admin_endpoints_refuse_unknown_paths_and_methods(aws_emulator):
    assert aws_emulator.admin("GET", "nothing").status_code == 404
    assert aws_emulator.admin("DELETE", "faults").status_code == 405
    assert aws_emulator.admin("GET", "requests/reset").status_code == 405


def environ(method: str, path: str, query: str = "", host: str = "127.0.0.1:4566", **extra) -> dict:
    base = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "HTTP_HOST": host,
            "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=AKIAX/20250101/us-east-1/s3/aws4_request, "
                                  "SignedHeaders=host, Signature=0"}
    base.update(extra)
    return base


@pytest.mark.parametrize("method, path, query, extra, action", [
    ("GET", "/", "", {}, "ListBuckets"),
    ("PUT", "/b", "", {}, "CreateBucket"),
    ("HEAD", "/b", "", {}, "HeadBucket"),
    ("DELETE", "/b", "", {}, "DeleteBucket"),
    ("GET", "/b", "", {}, "ListObjects"),
    ("GET", "/b", "list-type=2&prefix=a", {}, "ListObjectsV2"),
    ("GET", "/b", "versioning", {}, "GetBucketVersioning"),
    ("PUT", "/b", "versioning", {}, "PutBucketVersioning"),
    ("GET", "/b", "policy", {}, "GetBucketPolicy"),
    ("DELETE", "/b", "policy", {}, "DeleteBucketPolicy"),
    ("PUT", "/b", "notification", {}, "PutBucketNotificationConfiguration"),
    ("GET", "/b", "publicAccessBlock", {}, "GetPublicAccessBlock"),
    ("DELETE", "/b", "lifecycle", {}, "DeleteBucketLifecycle"),
    ("GET", "/b", "location", {}, "GetBucketLocation"),
    ("GET", "/b", "uploads", {}, "ListMultipartUploads"),
    ("GET", "/b", "versions", {}, "ListObjectVersions"),
    ("POST", "/b", "delete", {}, "DeleteObjects"),
    ("GET", "/b/k/x.csv", "", {}, "GetObject"),
    ("PUT", "/b/k", "", {}, "PutObject"),
    ("PUT", "/b/k", "", {"HTTP_X_AMZ_COPY_SOURCE": "/a/b"}, "CopyObject"),
    ("HEAD", "/b/k", "", {}, "HeadObject"),
    ("DELETE", "/b/k", "", {}, "DeleteObject"),
    ("GET", "/b/k", "tagging", {}, "GetObjectTagging"),
    ("POST", "/b/k", "uploads", {}, "CreateMultipartUpload"),
    ("PUT", "/b/k", "partNumber=1&uploadId=u", {}, "UploadPart"),
    ("POST", "/b/k", "uploadId=u", {}, "CompleteMultipartUpload"),
    ("DELETE", "/b/k", "uploadId=u", {}, "AbortMultipartUpload"),
    ("GET", "/k", "", {"HTTP_HOST": "b.s3.localhost.localstack.cloud:4566"}, "GetObject"),
    ("GET", "/", "versioning", {"HTTP_HOST": "b.s3.localhost.localstack.cloud:4566"}, "GetBucketVersioning"),
])
def test_s3_actions_are_named_like_aws(method, path, query, extra, action):
    request = classify(environ(method, path, query, **extra))
    assert (request.service, request.action, request.protocol) == ("s3", action, "s3")


def test_query_and_json_apis_are_named_by_their_action():
    body = b"Action=AssumeRole&Version=2011-06-15&RoleArn=x"
    form = environ("POST", "/", CONTENT_TYPE="application/x-www-form-urlencoded; charset=utf-8",
                   CONTENT_LENGTH=str(len(body)), **{"wsgi.input": io.BytesIO(body)},
                   HTTP_AUTHORIZATION="AWS4-HMAC-SHA256 Credential=AKIAX/20250101/us-east-1/sts/aws4_request, x")
    assert classify(form).key == "sts:AssumeRole"
    assert form["wsgi.input"].read() == body  # the body is still there for moto
    unsigned = environ("GET", "/", "Action=ListUsers&Version=2010-05-08", HTTP_AUTHORIZATION="")
    assert (classify(unsigned).key, classify(unsigned).protocol) == ("iam:ListUsers", "query")
    json_api = environ("POST", "/", HTTP_X_AMZ_TARGET="AmazonSQS.ReceiveMessage", HTTP_AUTHORIZATION="")
    assert (classify(json_api).key, classify(json_api).protocol) == ("sqs:ReceiveMessage", "json")
