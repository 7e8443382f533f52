import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tiny HTTP server on 127.0.0.1 (Python's http.server) that plays one credentials endpoint: each
/// route answers its responses in turn (the last one repeats), a route may require headers, and every
/// request is logged for the test to inspect.
final class LoopbackServer: @unchecked Sendable {
    struct Response: Encodable {
        var status = 200
        var body: String
        var headers: [String: String] = [:]
    }

    struct Route: Encodable {
        var method: String
        /// With its query, matched exactly; a path without `?` also matches any query.
        var path: String
        var responses: [Response]
        /// Headers (lower-case names) the request must carry, else 401.
        var require: [String: String] = [:]

        init(_ method: String, _ path: String, require: [String: String] = [:], _ responses: Response...) {
            self.method = method
            self.path = path
            self.require = require
            self.responses = responses
        }
    }

    struct LoggedRequest: Decodable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String
    }

    static let script = #"""
    import http.server, json, sys
    routes = json.load(open(sys.argv[1]))
    log_path = sys.argv[2]
    counts = {}
    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            headers = {k.lower(): v for k, v in self.headers.items()}
            with open(log_path, "a") as log:
                log.write(json.dumps({"method": self.command, "path": self.path, "headers": headers, "body": body}) + "\n")
            for index, route in enumerate(routes):
                plain = self.path.split("?")[0]
                if route["method"] != self.command or (route["path"] != self.path and route["path"] != plain):
                    continue
                if any(headers.get(k) != v for k, v in route["require"].items()):
                    return self.reply(401, "missing or wrong header", {})
                n = counts.get(index, 0)
                counts[index] = n + 1
                r = route["responses"][min(n, len(route["responses"]) - 1)]
                return self.reply(r["status"], r["body"], r["headers"])
            self.reply(404, "no route", {})
        def reply(self, status, body, headers):
            data = body.encode()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        do_GET = do_PUT = do_POST = answer
        def log_message(self, *args):
            pass
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """#

    let process: Process
    let port: Int
    let logPath: String
    let folder: URL
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    static func start(_ routes: [Route]) throws -> LoopbackServer {
        guard let python = MotoServer.pythonCandidates().first else { throw XCTSkip("python3 is not installed") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loopback-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let routesFile = folder.appendingPathComponent("routes.json")
        try JSONEncoder().encode(routes).write(to: routesFile)
        let logPath = folder.appendingPathComponent("requests.log").path
        FileManager.default.createFile(atPath: logPath, contents: Data())
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, routesFile.path, logPath]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw XCTSkip("the loopback server did not start") }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw XCTSkip("the loopback server printed no port")
        }
        return LoopbackServer(process: process, port: port, logPath: logPath, folder: folder)
    }

    private init(process: Process, port: Int, logPath: String, folder: URL) {
        self.process = process
        self.port = port
        self.logPath = logPath
        self.folder = folder
    }

    var requests: [LoggedRequest] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(LoggedRequest.self, from: Data($0.utf8)) }
    }

    func stop() {
        if process.isRunning {
            // SIGKILL: SIGTERM was seen not to end the server (a child spawned from a worker thread inherits
            // that thread's signal mask), and SIGKILL cannot be blocked.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }
}
