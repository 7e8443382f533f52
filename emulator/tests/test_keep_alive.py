"""The keep-alive request handler with answers the local AWS seldom gives: streamed bodies without a length,
bodies shorter than they declared, failures. A real werkzeug server on a free port serves a small WSGI app."""

import http.client
import threading

import pytest
from conftest_aws import EMULATOR_ROOT  # noqa: F401  (puts infra_emulator on the path)
from infra_emulator.keep_alive import KeepAliveRequestHandler
from werkzeug.serving import make_server


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/streamed":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"one ", b"two ", b"three"]
    if path == "/short":
        start_response("200 OK", [("Content-Length", "10")])
        return [b"12345"]
    if path == "/fails":
        raise RuntimeError("the application failed")
    body = b"plain"
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture(scope="module")
def server():
    served = make_server("127.0.0.1", 0, app, threaded=True, request_handler=KeepAliveRequestHandler)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    yield served
    served.shutdown()


def connect(server) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)


def test_a_streamed_answer_is_chunked_and_the_connection_stays_open(server):
    connection = connect(server)
    connection.request("GET", "/streamed")
    streamed = connection.getresponse()
    assert streamed.getheader("Transfer-Encoding") == "chunked" and streamed.read() == b"one two three"
    kept = connection.sock
    connection.request("GET", "/plain")
    assert connection.getresponse().read() == b"plain" and connection.sock is kept


def test_an_answer_shorter_than_its_length_closes_the_connection(server):
    connection = connect(server)
    connection.request("GET", "/short")
    short = connection.getresponse()
    with pytest.raises(http.client.IncompleteRead):
        short.read()


def test_a_failing_application_answers_500_and_closes(server):
    connection = connect(server)
    connection.request("GET", "/fails")
    failed = connection.getresponse()
    assert failed.status == 500 and failed.getheader("Connection") == "close"
    failed.read()
