"""AWS-shaped error responses, per protocol, so SDKs parse them exactly as they would in the cloud.

Used for injected faults, for requests refused before moto (unsigned ones), and to reshape moto's own
XML errors for JSON-protocol requests (moto answers e.g. SQS's signature errors in XML, which botocore
cannot read for a JSON API).
"""

import json
import re
import uuid
from dataclasses import dataclass

from .aws_actions import AwsRequest


@dataclass(frozen=True)
class ErrorAnswer:
    """An HTTP response to send instead of moto's, or `drop`: close the socket and answer nothing.
    With `after`, moto carries the request out first and only its answer is replaced."""

    drop: bool
    status: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    after: bool = False


DROP = ErrorAnswer(drop=True)


def aws_error(request: AwsRequest, status: int, code: str, message: str, fault_type: str = "Sender") -> ErrorAnswer:
    """`code` with `message`, shaped for the request's protocol (S3 REST-XML, query XML, or JSON)."""
    request_id = str(uuid.uuid4())
    if request.protocol == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
        )
        headers = (("Content-Type", "application/xml"), ("x-amz-request-id", request_id))
        # A HEAD response has no body; its status alone tells the SDK what happened.
        return ErrorAnswer(False, status, headers, b"" if request.method == "HEAD" else body.encode())
    if request.protocol == "json":
        return json_error(status, code, message, fault_type, request_id)
    body = (
        "<ErrorResponse><Error>"
        f"<Type>{fault_type}</Type><Code>{code}</Code><Message>{message}</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return ErrorAnswer(False, status, (("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)), body.encode())


def json_error(status: int, code: str, message: str, fault_type: str = "Sender", request_id: str | None = None) -> ErrorAnswer:
    request_id = request_id or str(uuid.uuid4())
    body = json.dumps({"__type": code, "message": message}).encode()
    headers = (
        ("Content-Type", "application/x-amz-json-1.0"),
        ("x-amzn-RequestId", request_id),
        # Query-compatible JSON APIs (SQS) take the error code from here.
        ("x-amzn-query-error", f"{code};{fault_type}"),
    )
    return ErrorAnswer(False, status, headers, body)


_XML_CODE = re.compile(rb"<Code>([^<]+)</Code>")
_XML_MESSAGE = re.compile(rb"<Message>([^<]*)</Message>")
_XML_TYPE = re.compile(rb"<Type>([^<]+)</Type>")


def xml_error_as_json(status: int, body: bytes) -> ErrorAnswer | None:
    """moto's XML error body as the JSON error a JSON-protocol client expects, or None if it is no
    XML error."""
    code = _XML_CODE.search(body)
    if not code:
        return None
    message = _XML_MESSAGE.search(body)
    fault_type = _XML_TYPE.search(body)
    return json_error(
        status,
        code.group(1).decode(),
        message.group(1).decode() if message else "",
        fault_type.group(1).decode() if fault_type else ("Sender" if status < 500 else "Receiver"),
    )
