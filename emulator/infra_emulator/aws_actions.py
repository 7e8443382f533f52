"""Names the AWS action a raw HTTP request asks for ("s3:GetBucketVersioning", "iam:CreateRole", ...).

Best effort and independent of moto: the middleware counts requests and shapes injected errors before
moto sees them. Query APIs (IAM, STS, SQS's old protocol) name their Action in the query string or the
form body; JSON APIs in X-Amz-Target; S3 only by method, path and query subresource.
"""

import io
import re
from dataclasses import dataclass
from urllib.parse import parse_qs

# Query APIs sent without a signature still carry their API version, which names the service.
SERVICE_BY_QUERY_API_VERSION = {"2010-05-08": "iam", "2011-06-15": "sts", "2012-11-05": "sqs"}
# JSON APIs sent without a signature name the service in X-Amz-Target's prefix.
SERVICE_BY_TARGET_PREFIX = {"AmazonSQS": "sqs"}

# Bucket subresources: the query key S3 uses, and the name that follows Get/Put/Delete in the action.
BUCKET_SUBRESOURCES = {
    "accelerate": "BucketAccelerateConfiguration",
    "acl": "BucketAcl",
    "analytics": "BucketAnalyticsConfiguration",
    "cors": "BucketCors",
    "encryption": "BucketEncryption",
    "intelligent-tiering": "BucketIntelligentTieringConfiguration",
    "inventory": "BucketInventoryConfiguration",
    "lifecycle": "BucketLifecycleConfiguration",
    "location": "BucketLocation",
    "logging": "BucketLogging",
    "metrics": "BucketMetricsConfiguration",
    "notification": "BucketNotificationConfiguration",
    "object-lock": "ObjectLockConfiguration",
    "ownershipControls": "BucketOwnershipControls",
    "policy": "BucketPolicy",
    "policyStatus": "BucketPolicyStatus",
    "publicAccessBlock": "PublicAccessBlock",
    "replication": "BucketReplication",
    "requestPayment": "BucketRequestPayment",
    "tagging": "BucketTagging",
    "versioning": "BucketVersioning",
    "website": "BucketWebsite",
}
# Where S3's delete action is not simply "Delete" + the Get/Put name.
BUCKET_DELETE_NAMES = {"lifecycle": "DeleteBucketLifecycle"}
OBJECT_SUBRESOURCES = {
    "acl": "ObjectAcl",
    "attributes": "ObjectAttributes",
    "legal-hold": "ObjectLegalHold",
    "retention": "ObjectRetention",
    "tagging": "ObjectTagging",
    "torrent": "ObjectTorrent",
}
METHOD_VERBS = {"GET": "Get", "PUT": "Put", "DELETE": "Delete", "HEAD": "Head", "POST": "Post"}

_SIGV4_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
# "bucket.s3.localhost.localstack.cloud:4566", "bucket.s3.amazonaws.com": a virtual-host-style bucket.
_VIRTUAL_HOST_BUCKET = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.\-_]*?)\.s3[.\-]")


@dataclass(frozen=True)
class AwsRequest:
    service: str  # "s3", "iam", "sts", "sqs", ... or "unknown"
    action: str  # "GetBucketVersioning", "CreateRole", ... best effort
    protocol: str  # "s3" (REST-XML), "query" (XML errors) or "json"
    method: str

    @property
    def key(self) -> str:
        return f"{self.service}:{self.action}"


def classify(environ: dict) -> AwsRequest:
    """Reads the request's service and action. A form body is read and put back, so the WSGI app
    behind still sees it."""
    method = environ.get("REQUEST_METHOD", "GET").upper()
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    signed_service = _signed_service(environ, query)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    content_type = environ.get("CONTENT_TYPE", "")

    if target:
        prefix, _, action = target.partition(".")
        service = signed_service or SERVICE_BY_TARGET_PREFIX.get(prefix, prefix.lower())
        return AwsRequest(service, action or "Unknown", "json", method)

    form = _form_body(environ) if content_type.startswith("application/x-www-form-urlencoded") else {}
    action = _first(query, "Action") or _first(form, "Action")
    if action:
        version = _first(query, "Version") or _first(form, "Version")
        service = signed_service or SERVICE_BY_QUERY_API_VERSION.get(version or "", "unknown")
        return AwsRequest(service, action, "query", method)

    if signed_service in (None, "s3"):
        return AwsRequest("s3", s3_action(method, environ, query), "s3", method)

    # A signed REST API other than S3: its operation is named by method and path only.
    protocol = "json" if "json" in content_type else "query"
    return AwsRequest(signed_service, f"{method} {environ.get('PATH_INFO', '/')}", protocol, method)


def s3_action(method: str, environ: dict, query: dict) -> str:
    bucket, key = _s3_bucket_and_key(environ)
    verb = METHOD_VERBS.get(method, method.title())
    if not bucket:
        return "ListBuckets" if method == "GET" else f"{verb}Service"
    if not key:
        return _s3_bucket_action(method, verb, query)
    return _s3_object_action(method, verb, query, environ)


def _s3_bucket_action(method: str, verb: str, query: dict) -> str:
    if method == "POST" and "delete" in query:
        return "DeleteObjects"
    for name, suffix in BUCKET_SUBRESOURCES.items():
        if name in query:
            if method == "DELETE" and name in BUCKET_DELETE_NAMES:
                return BUCKET_DELETE_NAMES[name]
            return verb + suffix
    if method == "GET":
        if "uploads" in query:
            return "ListMultipartUploads"
        if "versions" in query:
            return "ListObjectVersions"
        return "ListObjectsV2" if _first(query, "list-type") == "2" else "ListObjects"
    return {"PUT": "CreateBucket", "DELETE": "DeleteBucket", "HEAD": "HeadBucket"}.get(method, f"{verb}Bucket")


def _s3_object_action(method: str, verb: str, query: dict, environ: dict) -> str:
    copying = "HTTP_X_AMZ_COPY_SOURCE" in environ
    if "uploadId" in query:
        if method == "PUT":
            return "UploadPartCopy" if copying else "UploadPart"
        return {"GET": "ListParts", "POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload"}.get(
            method, f"{verb}MultipartUpload"
        )
    if method == "POST":
        if "uploads" in query:
            return "CreateMultipartUpload"
        if "restore" in query:
            return "RestoreObject"
        if "select" in query:
            return "SelectObjectContent"
    for name, suffix in OBJECT_SUBRESOURCES.items():
        if name in query:
            return verb + suffix
    if method == "PUT" and copying:
        return "CopyObject"
    return verb + "Object"


def _s3_bucket_and_key(environ: dict) -> tuple[str, str]:
    path = environ.get("PATH_INFO", "/")
    host = environ.get("HTTP_HOST", "").split(":")[0].lower()
    virtual = _VIRTUAL_HOST_BUCKET.match(host)
    if virtual:
        return virtual.group("bucket"), path.lstrip("/")
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key


def _signed_service(environ: dict, query: dict) -> str | None:
    """The service named in the SigV4 credential scope (header or presigned query), if any."""
    scope = environ.get("HTTP_AUTHORIZATION", "") or "Credential=" + (_first(query, "X-Amz-Credential") or "")
    match = _SIGV4_SCOPE.search(scope)
    return match.group(2).lower() if match else None


def _form_body(environ: dict) -> dict:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return {}
    if length <= 0:
        return {}
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)  # put it back for moto
    return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)


def _first(values: dict, name: str) -> str | None:
    found = values.get(name)
    return found[0] if found else None
