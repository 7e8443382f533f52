import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A keep-alive HTTP/1.1 server on 127.0.0.1 (Python's http.server, one thread per connection) that
/// answers what it received as JSON, including the client's port (which tells a reused connection).
/// `/delay/MS/…` answers after MS milliseconds, `/status/N` with status N, `/chunked` in chunks,
/// `/until-close` with a body that ends when the connection does.
final class EchoServer: @unchecked Sendable {
    struct Echo: Decodable {
        var method: String
        var path: String
        var headers: [[String]]
        /// Hex.
        var body: String
        var client_port: Int

        func header(_ name: String) -> [String] { headers.filter { $0[0] == name }.map { $0[1] } }
    }

    static let script = #"""
    import http.server, json, sys, time
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = self.path.split("?")[0].split("/")
            if len(parts) > 2 and parts[1] == "delay":
                time.sleep(int(parts[2]) / 1000)
            if self.path == "/chunked":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.write(b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n")
                return
            if self.path == "/until-close":
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"until close")
                self.close_connection = True
                return
            status = int(parts[2]) if len(parts) > 2 and parts[1] == "status" else 200
            echo = json.dumps({"method": self.command, "path": self.path, "body": body.hex(),
                               "headers": [[k.lower(), v] for k, v in self.headers.items()],
                               "client_port": self.client_address[1]}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Repeated", "one")
            self.send_header("X-Repeated", "two")
            self.send_header("Content-Length", str(len(echo)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(echo)
        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = answer
        def log_message(self, *args):
            pass
    http.server.ThreadingHTTPServer.request_queue_size = 128
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """#

    let process: Process
    let port: Int

    init() throws {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" } + ["/usr/bin/python3"]
        guard let python = path.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("python3 is not installed")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.script]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw XCTSkip("the echo server did not start") }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw XCTSkip("the echo server printed no port")
        }
        self.port = port
    }

    func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
