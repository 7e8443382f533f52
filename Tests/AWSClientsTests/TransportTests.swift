import AWSClients
import Foundation
import SigV4
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The real URLSession transport against misbehaving loopback servers: failures must come out
/// classified the way the retry decision expects.
final class TransportTests: XCTestCase {
    func send(port: Int, timeout: TimeInterval) async -> Error? {
        let request = HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/bucket")!)
        do {
            _ = try await URLSessionTransport().send(request, timeout: timeout)
            return nil
        } catch {
            return error
        }
    }

    func testDroppedConnectionIsConnectionLost() async throws {
        let server = try MisbehavingServer(.drop)
        defer { server.stop() }
        let error = await send(port: server.port, timeout: 5)
        guard case .connectionLost? = error as? TransportError else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(RetryPolicy.isTransient(.transport(error as! TransportError)))
    }

    func testResetConnectionIsConnectionLost() async throws {
        let server = try MisbehavingServer(.reset)
        defer { server.stop() }
        let error = await send(port: server.port, timeout: 5)
        guard case .connectionLost? = error as? TransportError else { return XCTFail("got \(String(describing: error))") }
    }

    /// libcurl's send and receive failures reach us as URLError -1 with curl's words: a connection that broke
    /// before the answer, to be retried.
    func testCurlSendAndReceiveFailuresAreConnectionLost() {
        for text in ["Send failure: Broken pipe", "Recv failure: Connection reset by peer"] {
            let error = URLError(.unknown, userInfo: [NSLocalizedDescriptionKey: text])
            guard case .connectionLost = URLSessionTransport.classify(error) else { return XCTFail(text) }
        }
        guard case .other = URLSessionTransport.classify(URLError(.unknown, userInfo: [NSLocalizedDescriptionKey: "SSL: certificate problem"])) else {
            return XCTFail("other failures stay unclassified")
        }
    }

    func testSilentServerTimesOut() async throws {
        let server = try MisbehavingServer(.hold)
        defer { server.stop() }
        let started = Date()
        let error = await send(port: server.port, timeout: 1)
        XCTAssertEqual(error as? TransportError, .timedOut)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testRefusedConnectionIsNotRetried() async throws {
        let port = try MotoServer.freePort()  // closed again: nothing listens there
        let error = await send(port: port, timeout: 5)
        guard case .cannotConnect? = error as? TransportError else { return XCTFail("got \(String(describing: error))") }
    }
}

/// A loopback TCP server on its own thread that reads each request and then either closes the
/// connection without answering or holds it silently. It stops when asked or after 30 seconds.
final class MisbehavingServer: @unchecked Sendable {
    /// drop: close after reading; reset: close with a TCP reset (SO_LINGER 0); hold: never answer.
    enum Mode { case drop, reset, hold }

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var stopped = false

    init(_ mode: Mode) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = MotoServer.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ready else {
            close(fd)
            throw MotoServer.MotoError.noPort
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        var tick = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, socklen_t(MemoryLayout<timeval>.size))
        let deadline = Date().addingTimeInterval(30)
        Thread.detachNewThread { [self] in
            var held: [Int32] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while !isStopped, Date() < deadline {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { continue }
                _ = recv(connection, &buffer, buffer.count, 0)
                switch mode {
                case .drop:
                    close(connection)
                case .reset:
                    var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                    setsockopt(connection, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                    close(connection)
                case .hold:
                    held.append(connection)
                }
            }
            held.forEach { close($0) }
            close(listener)
        }
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }
}
