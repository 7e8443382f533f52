"""Connections to the local AWS endpoint stay open between requests (HTTP/1.1 keep-alive), one request's
body or answer never spills into the next request on the same connection, and answers carry only the
headers AWS would send."""

import http.client
import socket
import time

from conftest_aws import aws_emulator  # noqa: F401  (a fixture)


def connect(aws_emulator) -> http.client.HTTPConnection:
    host, port = aws_emulator.endpoint.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def health_on(connection: http.client.HTTPConnection) -> http.client.HTTPResponse:
    connection.request("GET", "/_infra/health")
    response = connection.getresponse()
    assert response.status == 200 and response.read() == b'{"ok": true}'
    return response


def test_one_connection_carries_many_requests(aws_emulator):
    connection = connect(aws_emulator)
    health_on(connection)
    first_socket = connection.sock
    assert first_socket is not None  # http.client drops its socket when the server says close
    for _ in range(3):
        response = health_on(connection)
        assert response.getheader("Connection") is None
    assert connection.sock is first_socket


def test_answers_on_an_open_connection_do_not_wait_for_the_clients_acknowledgement(aws_emulator):
    # With Nagle's algorithm on, an answer's body (written after its head) waits for the client's delayed ACK,
    # about 40 ms on Linux: 20 answers would take 0.8 s or more instead of a few milliseconds.
    connection = connect(aws_emulator)
    health_on(connection)
    started = time.monotonic()
    for _ in range(20):
        health_on(connection)
    assert time.monotonic() - started < 0.6


def test_a_body_the_server_did_not_read_is_not_taken_for_the_next_request(aws_emulator):
    # An unsigned PUT is refused before anything reads its body; the body must still be consumed.
    connection = connect(aws_emulator)
    body = b"GET /_infra/requests HTTP/1.1\r\n\r\n" * 4000
    connection.request("PUT", "/some-bucket/some-key", body=body)
    refused = connection.getresponse()
    assert refused.status == 403 and b"AccessDenied" in refused.read()
    health_on(connection)


def test_head_answers_carry_no_body_bytes(aws_emulator):
    connection = connect(aws_emulator)
    connection.request("HEAD", "/_infra/health")
    response = connection.getresponse()
    assert response.read() == b"" and response.getheader("Content-Length") == "12"  # a GET's body length
    health_on(connection)  # would fail to parse if the body had followed the HEAD answer


def test_the_client_may_ask_for_the_connection_to_close(aws_emulator):
    head, body = exchange_until_closed(aws_emulator, b"GET /_infra/health HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert head.startswith("HTTP/1.1 200") and "\r\nConnection: close" in head and body == b'{"ok": true}'


def test_a_chunked_request_body_closes_the_connection_after_the_answer(aws_emulator):
    head, _ = exchange_until_closed(aws_emulator, b"PUT /some-bucket/some-key HTTP/1.1\r\n"
                                                  b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    assert head.startswith("HTTP/1.1 403") and "\r\nConnection: close" in head


def test_http_1_0_clients_get_one_answer_per_connection(aws_emulator):
    head, body = exchange_until_closed(aws_emulator, b"GET /_infra/health HTTP/1.0\r\n\r\n")
    assert "\r\nConnection: close" in head and body == b'{"ok": true}'


def test_answers_carry_no_cors_headers_of_their_own(aws_emulator):
    # moto's server adds Access-Control-Allow-Origin: * to everything; S3 sends CORS headers only as a
    # bucket's CORS configuration says, and only to requests that name an Origin.
    answer = aws_emulator.client("s3").list_buckets()
    assert not [name for name in answer["ResponseMetadata"]["HTTPHeaders"] if name.startswith("access-control-")]


def exchange_until_closed(aws_emulator, request: bytes) -> tuple[str, bytes]:
    """Sends `request` on a new connection and reads until the server closes it: (head, body)."""
    host, port = aws_emulator.endpoint.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(request)
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body
