@testable import AWSClients
import Foundation
import SigV4
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The real transport (libcurl, for http and https) against misbehaving loopback servers: failures must
/// come out classified the way the retry decision expects.
final class TransportTests: XCTestCase {
    let transports: [any HTTPTransport] = [CurlTransport()]

    func send(port: Int, timeout: TimeInterval, with transport: any HTTPTransport) async -> Error? {
        let request = HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/bucket")!)
        do {
            _ = try await transport.send(request, timeout: timeout)
            return nil
        } catch {
            return error
        }
    }

    func testDroppedOrResetConnectionIsConnectionLost() async throws {
        for mode in [MisbehavingServer.Mode.drop, .reset] {
            for transport in transports {
                let server = try MisbehavingServer(mode)
                defer { server.stop() }
                let error = await send(port: server.port, timeout: 5, with: transport)
                guard case .connectionLost? = error as? TransportError else { return XCTFail("\(mode) \(transport): got \(String(describing: error))") }
                XCTAssertTrue(RetryPolicy.isTransient(.transport(error as! TransportError)))
            }
        }
    }

    func testSilentServerTimesOut() async throws {
        for transport in transports {
            let server = try MisbehavingServer(.hold)
            defer { server.stop() }
            let started = Date()
            let error = await send(port: server.port, timeout: 1, with: transport)
            XCTAssertEqual(error as? TransportError, .timedOut, "\(transport)")
            XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        }
    }

    /// Waiting on a silent server costs next to no CPU (URLSession on Linux spun through the wait).
    func testTheTransportWaitsWithoutSpinning() async throws {
        let server = try MisbehavingServer(.hold)
        defer { server.stop() }
        let before = Self.cpuSeconds()
        _ = await send(port: server.port, timeout: 2, with: CurlTransport())
        XCTAssertLessThan(Self.cpuSeconds() - before, 0.3)
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func testRefusedConnectionIsNotRetried() async throws {
        for transport in transports {
            let port = try MotoServer.freePort()  // closed again: nothing listens there
            let error = await send(port: port, timeout: 5, with: transport)
            guard case .cannotConnect? = error as? TransportError else { return XCTFail("\(transport): got \(String(describing: error))") }
        }
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
