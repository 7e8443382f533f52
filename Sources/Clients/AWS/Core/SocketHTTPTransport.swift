import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `HTTPTransport` for plain `http://` endpoints (the local emulator, a proxy on the host) over a blocking
/// socket, one connection per request (`Connection: close`), waited on with poll(2).
///
/// Why not URLSession: on Linux its libcurl event loop wakes about a thousand times a second while a
/// response is pending (measured: 2.5 s of CPU for one answer delayed 3 s). On a small machine two runs
/// waiting on the emulator starve it of CPU, and a refused run took 10 s to learn it was refused.
public final class SocketHTTPTransport: HTTPTransport, @unchecked Sendable {
    public init() {}

    public func send(_ request: HTTPRequest, timeout: TimeInterval) async throws -> HTTPResponse {
        let exchange = Exchange(request: request, deadline: Date().addingTimeInterval(timeout))
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread { continuation.resume(with: Result { try exchange.run() }) }
            }
        } onCancel: {
            exchange.cancel()
        }
    }
}

/// One request and its answer on one socket.
private final class Exchange: @unchecked Sendable {
    let request: HTTPRequest
    let deadline: Date
    private let lock = NSLock()
    private var socket: Int32 = -1
    private var cancelled = false

    init(request: HTTPRequest, deadline: Date) {
        self.request = request
        self.deadline = deadline
    }

    func cancel() {
        lock.withLock {
            cancelled = true
            if socket >= 0 { shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }

    func run() throws -> HTTPResponse {
        guard let host = request.url.host else { throw TransportError.other("no host in \(request.url)") }
        let fd = try connect(host: host, port: request.url.port ?? 80)
        defer {
            lock.withLock { socket = -1 }
            close(fd)
        }
        try write(fd, head() + request.body)
        return try readResponse(fd)
    }

    func head() -> Data {
        var target = request.url.path.isEmpty ? "/" : request.url.path
        if let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false) {
            target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            if let query = components.percentEncodedQuery { target += "?" + query }
        }
        var lines = ["\(request.method) \(target) HTTP/1.1"]
        let names = Set(request.headers.map { $0.name.lowercased() })
        if !names.contains("host") {
            lines.append("Host: \(request.url.host ?? "")" + (request.url.port.map { ":\($0)" } ?? ""))
        }
        for header in request.headers where !["content-length", "connection"].contains(header.name.lowercased()) {
            lines.append("\(header.name): \(header.value)")
        }
        if !request.body.isEmpty || ["PUT", "POST"].contains(request.method) { lines.append("Content-Length: \(request.body.count)") }
        lines.append("Connection: close")
        return Data((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    // MARK: Socket

    func connect(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let first = found else {
            throw TransportError.cannotConnect("cannot resolve \(host)")
        }
        defer { freeaddrinfo(first) }
        var lastError = ECONNREFUSED
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            let fd = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            let registered = lock.withLock { () -> Bool in
                guard !cancelled else { return false }
                socket = fd
                return true
            }
            guard registered else {
                close(fd)
                throw CancellationError()
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var on: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return fd }
            if errno == EINPROGRESS {
                try wait(fd, for: Int16(POLLOUT))
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                if error == 0 { return fd }
                lastError = error
            } else {
                lastError = errno
            }
            lock.withLock { socket = -1 }
            close(fd)
        }
        throw TransportError.cannotConnect("\(host):\(port): \(String(cString: strerror(lastError)))")
    }

    /// Waits until `fd` is ready for `events`, or throws at the deadline.
    func wait(_ fd: Int32, for events: Int16) throws {
        while true {
            if lock.withLock({ cancelled }) { throw CancellationError() }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw TransportError.timedOut }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(min(remaining, 3600) * 1000) + 1)
            if ready > 0 { return }
            if ready < 0, errno != EINTR { throw TransportError.connectionLost(String(cString: strerror(errno))) }
        }
    }

    func write(_ fd: Int32, _ data: Data) throws {
        var offset = 0
        while offset < data.count {
            try wait(fd, for: Int16(POLLOUT))
            let sent = data.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw TransportError.connectionLost("send: \(String(cString: strerror(errno)))")
            }
            offset += sent
        }
    }

    /// Reads the whole answer: the server closes the connection after it (`Connection: close`).
    func readResponse(_ fd: Int32) throws -> HTTPResponse {
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            try wait(fd, for: Int16(POLLIN))
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 {
                received.append(buffer, count: count)
                if let response = try HTTPResponseParser.complete(received, method: request.method) { return response }
            } else if count == 0 {
                if let response = try HTTPResponseParser.complete(received, method: request.method, closed: true) { return response }
                throw TransportError.connectionLost(received.isEmpty ? "Empty reply from server" : "connection closed mid-answer")
            } else if errno != EAGAIN, errno != EINTR {
                if lock.withLock({ cancelled }) { throw CancellationError() }
                throw TransportError.connectionLost("recv: \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// Parses an HTTP/1.x answer from the bytes read so far: nil while it is incomplete.
enum HTTPResponseParser {
    static func complete(_ data: Data, method: String, closed: Bool = false) throws -> HTTPResponse? {
        guard let end = data.firstRange(of: Data("\r\n\r\n".utf8)) else { return nil }
        let lines = String(decoding: data[data.startIndex..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let status = Int(statusParts[1]) else {
            throw TransportError.connectionLost("not an HTTP response: \(lines[0].prefix(80))")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = data[end.upperBound...]
        if status == 100 { return try complete(Data(body), method: method, closed: closed) }  // an interim answer
        if method == "HEAD" || status == 204 || status == 304 { return HTTPResponse(status: status, headers: headers) }
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            guard let decoded = try dechunk(Data(body)) else { return nil }
            return HTTPResponse(status: status, headers: headers, body: decoded)
        }
        if let length = headers["content-length"].flatMap(Int.init) {
            guard body.count >= length else { return nil }
            return HTTPResponse(status: status, headers: headers, body: Data(body.prefix(length)))
        }
        return closed ? HTTPResponse(status: status, headers: headers, body: Data(body)) : nil
    }

    /// The body of a chunked answer, or nil until its last chunk has arrived.
    static func dechunk(_ data: Data) throws -> Data? {
        var body = Data()
        var index = data.startIndex
        while true {
            guard let lineEnd = data[index...].firstRange(of: Data("\r\n".utf8)) else { return nil }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw TransportError.connectionLost("bad chunk size")
            }
            let start = lineEnd.upperBound
            if size == 0 { return body }
            guard data.distance(from: start, to: data.endIndex) >= size + 2 else { return nil }
            let stop = data.index(start, offsetBy: size)
            body.append(data[start..<stop])
            index = data.index(stop, offsetBy: 2)
        }
    }
}

/// The transport for a URL's scheme: plain HTTP over a socket, anything else (HTTPS) over URLSession.
public final class AutomaticTransport: HTTPTransport, @unchecked Sendable {
    private let plain = SocketHTTPTransport()
    private let secure = URLSessionTransport()

    public init() {}

    public func send(_ request: HTTPRequest, timeout: TimeInterval) async throws -> HTTPResponse {
        request.url.scheme?.lowercased() == "http"
            ? try await plain.send(request, timeout: timeout) : try await secure.send(request, timeout: timeout)
    }
}
