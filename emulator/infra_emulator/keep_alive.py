"""A werkzeug request handler that keeps HTTP/1.1 connections open between requests.

werkzeug's development server answers every request with `Connection: close` and, after each answer, waits
10 ms for stray body bytes. Each request of a client therefore costs a new TCP connection, an accepted
socket and a new server thread (a no-op plan of 100 buckets: 501 of each). This handler keeps werkzeug's
environ, logging and error handling and replaces only the request/answer cycle:

- the request body is read through a stream bounded by Content-Length; what the application left unread is
  drained exactly, so the next request line is never mistaken for body bytes (a chunked request body closes
  the connection after the answer instead);
- the answer is framed by its Content-Length, or chunked when it has none; an answer that breaks its own
  framing (more or fewer bytes than it declared) closes the connection; its head leaves in the same write
  as its first body bytes;
- HEAD, 1xx, 204 and 304 answers carry no body bytes, whatever the application yields;
- the connection closes when the client asks for it (`Connection: close`, HTTP/1.0 without keep-alive),
  after a dropped or failed request, and after IDLE_SECONDS without a new request.
"""

import io

from werkzeug.exceptions import InternalServerError
from werkzeug.serving import WSGIRequestHandler

# How long an open connection may wait for its next request before the server closes it.
IDLE_SECONDS = 60.0
# Errors that mean the client went away mid-request: the connection is closed quietly.
_CONNECTION_DROPPED = (ConnectionError, TimeoutError)
_DRAIN_CHUNK = 1 << 16


class KeepAliveRequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    # An answer written in several parts (a streamed body) would otherwise wait, part after part, for the
    # client's delayed acknowledgement (up to 40 ms on Linux) on a connection that stays open.
    disable_nagle_algorithm = True

    def handle_one_request(self) -> None:
        # Waiting for the next request on an idle connection: a timeout or an end of stream here ends the
        # connection without the "Request timed out" error http.server would log.
        try:
            if not self.rfile.peek(1):
                self.close_connection = True
                return
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        super().handle_one_request()

    def run_wsgi(self) -> None:
        # An `Expect: 100-continue` was answered by http.server's parse_request already.
        self.environ = environ = self.make_environ()
        body: _BoundedBody | None = None
        if environ.get("wsgi.input_terminated"):
            self.close_connection = True  # a chunked body: where it ends is the application's business
        else:
            try:
                length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
            except ValueError:
                length = 0
                self.close_connection = True
            body = _BoundedBody(self.rfile, length)
            environ["wsgi.input"] = body
        answer = _Answer(self, environ["REQUEST_METHOD"])
        try:
            answer.run(self.server.app)
        except _CONNECTION_DROPPED as error:
            self.close_connection = True
            self.connection_dropped(error, environ)
            return
        except Exception as error:
            self.close_connection = True
            if self.server.passthrough_errors:
                raise
            if not answer.headers_sent:
                try:
                    answer.run(InternalServerError())
                except Exception:
                    pass
            from werkzeug.debug.tbtools import DebugTraceback

            self.server.log("error", f"Error on request:\n{DebugTraceback(error).render_traceback_text()}")
            return
        if body is not None and not self.close_connection:
            body.drain()


class _Answer:
    """One request's answer: WSGI start_response/write, with HTTP/1.1 framing. The head goes out in the same
    write as the first body bytes: one send per ordinary answer, not two."""

    def __init__(self, handler: KeepAliveRequestHandler, method: str):
        self.handler = handler
        self.method = method
        self._reset()

    def _reset(self) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.pending_head: bytes | None = None
        self.headers_sent = False  # the head is on the wire
        self.chunked = False
        self.has_body = True
        self.declared_length: int | None = None
        self.written = 0

    def run(self, app) -> None:
        self._reset()
        iterable = app(self.handler.environ, self.start_response)
        try:
            for data in iterable:
                self.write(data)
            self.finish()
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    def start_response(self, status: str, headers: list, exc_info=None):
        if exc_info:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("Headers already set")
        self.status, self.headers, self.pending_head = status, headers, None
        return self.write

    def write(self, data: bytes) -> None:
        assert self.status is not None, "write() before start_response"
        assert isinstance(data, bytes), "applications must write bytes"
        if self.pending_head is None and not self.headers_sent:
            self.pending_head = self._head()
        if not data or not self.has_body:
            return
        if self.chunked:
            data = b"%x\r\n%s\r\n" % (len(data), data)
        elif self.declared_length is not None:
            if self.written + len(data) > self.declared_length:
                data = data[: self.declared_length - self.written]
                self.handler.close_connection = True
            self.written += len(data)
        self._send(data)

    def finish(self) -> None:
        if not self.headers_sent and self.pending_head is None:
            self.write(b"")
        if self.has_body and not self.chunked and self.declared_length not in (None, self.written):
            self.handler.close_connection = True  # fewer bytes than declared: the client must not wait for more
        self._send(b"0\r\n\r\n" if self.chunked else b"")
        self.handler.wfile.flush()

    def _send(self, data: bytes) -> None:
        if self.pending_head is not None:
            data, self.pending_head, self.headers_sent = self.pending_head + data, None, True
        if data:
            self.handler.wfile.write(data)

    def _head(self) -> bytes:
        """The status line and headers (logging the request, as http.server's send_response does)."""
        handler = self.handler
        code_text, _, reason = self.status.partition(" ")
        code = int(code_text)
        self.has_body = not (self.method == "HEAD" or 100 <= code < 200 or code in (204, 304))
        handler.send_response(code, reason)
        names = set()
        for name, value in self.headers:
            lowered = name.lower()
            if lowered == "connection":
                if value.strip().lower() == "close":
                    handler.close_connection = True
                continue
            names.add(lowered)
            if lowered == "content-length":
                try:
                    self.declared_length = int(value)
                except ValueError:
                    handler.close_connection = True
            handler.send_header(name, value)
        if self.has_body and "content-length" not in names:
            if handler.request_version >= "HTTP/1.1":
                self.chunked = True
                handler.send_header("Transfer-Encoding", "chunked")
            else:
                handler.close_connection = True  # an HTTP/1.0 client reads the body up to the end of the stream
        if handler.close_connection:
            handler.send_header("Connection", "close")
        handler._headers_buffer.append(b"\r\n")  # what end_headers would add before writing the head out
        head = b"".join(handler._headers_buffer)
        handler._headers_buffer = []
        return head


class _BoundedBody(io.RawIOBase):
    """The request body as `wsgi.input`: at most Content-Length bytes, never the next request's."""

    def __init__(self, stream, length: int):
        super().__init__()
        self._stream = stream
        self.remaining = length

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        if size == 0:
            return b""
        data = self._stream.read(size)
        self.remaining -= len(data)
        if not data:
            self.remaining = 0
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        if size == 0:
            return b""
        data = self._stream.readline(size)
        self.remaining -= len(data)
        if not data:
            self.remaining = 0
        return data

    def drain(self) -> None:
        """Reads and drops what the application left, up to the end of this request's body."""
        while self.remaining and self.read(min(self.remaining, _DRAIN_CHUNK)):
            pass
