"""A counting HTTP/1.1 proxy that adds a fixed round trip to every request, for the latency benchmark.

One `LatencyProxy` listens on a loopback port in front of one local endpoint (the AWS emulator or the Snowflake
SQL API). Each request is held `delay_ms` before it is forwarded, so N requests in flight at once cost one delay,
N requests one after another cost N: the proxy models a distant service, not a slow one. Requests are counted
(by method and path, without the query string). Each client connection gets its own upstream connection, so
keep-alive on either side behaves as without the proxy; the Host header passes unchanged (SigV4 signs it).

Run on its own for a manual look: `python3 bench/latency_proxy.py LISTEN_PORT UPSTREAM_PORT DELAY_MS`.
"""

from __future__ import annotations

import asyncio
import collections
import sys
import threading


class LatencyProxy:
    def __init__(self, upstream_port: int, delay_ms: int = 0, upstream_host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.delay_ms = delay_ms
        self.requests: collections.Counter[str] = collections.Counter()
        self.port = 0
        self._server: asyncio.base_events.Server | None = None

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def reset(self, delay_ms: int | None = None) -> None:
        self.requests.clear()
        if delay_ms is not None:
            self.delay_ms = delay_ms

    async def start(self, port: int = 0) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                head = await _read_head(reader)
                if head is None:
                    return
                request_line, headers = head
                method, target = request_line.split(" ", 2)[:2]
                if headers.get("expect", "").lower() == "100-continue":
                    # Answer the client's Expect ourselves; the upstream then gets the body at once.
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    await writer.drain()
                    headers.remove_named("expect")
                body = await _read_body(reader, headers)
                self.requests[f"{method} {target.split('?', 1)[0]}"] += 1
                if self.delay_ms:
                    await asyncio.sleep(self.delay_ms / 1000)
                if upstream is None:
                    upstream = await asyncio.open_connection(*self.upstream)
                up_reader, up_writer = upstream
                up_writer.write(_encode_head(request_line, headers) + body)
                await up_writer.drain()
                keep_open = await _relay_response(up_reader, writer, method)
                if not keep_open or headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            for w in (writer, upstream[1] if upstream else None):
                if w is not None:
                    w.close()


class Headers(list):
    """Header lines in order, repeats kept (name, value); looked up by lower-cased name."""

    def get(self, name: str, default: str = "") -> str:
        return next((v for k, v in self if k.lower() == name), default)

    def remove_named(self, name: str) -> None:
        self[:] = [(k, v) for k, v in self if k.lower() != name]


async def _read_head(reader: asyncio.StreamReader) -> tuple[str, Headers] | None:
    """The request or status line and the headers; None when the peer closed between messages."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if e.partial.strip():
            raise
        return None
    lines = raw.decode("latin-1").split("\r\n")
    headers = Headers()
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
    return lines[0], headers


def _encode_head(first_line: str, headers: Headers) -> bytes:
    return (first_line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode("latin-1")


async def _read_body(reader: asyncio.StreamReader, headers: Headers) -> bytes:
    if "chunked" in headers.get("transfer-encoding").lower():
        return await _read_chunked(reader)
    length = int(headers.get("content-length", "0") or 0)
    return await reader.readexactly(length) if length else b""


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked body as it came (sizes, chunks, trailers), to be passed on unchanged."""
    parts = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        parts.append(size_line)
        size = int(size_line.split(b";")[0].strip(), 16)
        if size == 0:
            while True:
                trailer = await reader.readuntil(b"\r\n")
                parts.append(trailer)
                if trailer == b"\r\n":
                    return b"".join(parts)
        parts.append(await reader.readexactly(size + 2))


async def _relay_response(up_reader: asyncio.StreamReader, writer: asyncio.StreamWriter, method: str) -> bool:
    """Passes the upstream's answer (interim 1xx answers included) to the client; False when the connection
    must close after it (the answer's length is the end of the stream, or either side said close)."""
    while True:
        head = await _read_head(up_reader)
        if head is None:
            raise ConnectionError("the upstream closed the connection")
        status_line, headers = head
        status = int(status_line.split(" ", 2)[1])
        writer.write(_encode_head(status_line, headers))
        if 100 <= status < 200:
            await writer.drain()
            continue
        if method == "HEAD" or status in (204, 304):
            body = b""
        elif "chunked" in headers.get("transfer-encoding").lower() or headers.get("content-length"):
            body = await _read_body(up_reader, headers)
        else:
            writer.write(await up_reader.read())
            await writer.drain()
            return False
        writer.write(body)
        await writer.drain()
        return headers.get("connection", "").lower() != "close" and not status_line.startswith("HTTP/1.0")


class ProxyThread:
    """Proxies served by an event loop in a background thread, for a benchmark driver that blocks on children."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="latency-proxy")
        self._thread.start()

    def add(self, upstream_port: int) -> LatencyProxy:
        proxy = LatencyProxy(upstream_port)
        asyncio.run_coroutine_threadsafe(proxy.start(), self.loop).result()
        return proxy

    def set_delay(self, proxies: list[LatencyProxy], delay_ms: int) -> None:
        """Zeroes the counts and sets the delay, on the loop's thread (the counters are not locked)."""
        async def change() -> None:
            for p in proxies:
                p.reset(delay_ms)
        asyncio.run_coroutine_threadsafe(change(), self.loop).result()

    def close(self, proxies: list[LatencyProxy]) -> None:
        for p in proxies:
            asyncio.run_coroutine_threadsafe(p.stop(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()


async def _main(listen: int, upstream: int, delay_ms: int) -> None:
    proxy = LatencyProxy(upstream, delay_ms)
    await proxy.start(listen)
    print(f"proxy on 127.0.0.1:{proxy.port} -> {upstream}, {delay_ms} ms per request", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        print(f"{proxy.total} requests", flush=True)


if __name__ == "__main__":
    try:
        asyncio.run(_main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
    except KeyboardInterrupt:
        pass
