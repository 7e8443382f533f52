import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A local moto server (`python3 -m moto.server`) on a free loopback port, for one test class.
final class MotoServer: @unchecked Sendable {
    let process: Process
    let port: Int
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Throws `XCTSkip` when python3 or moto is not installed.
    static func start() throws -> MotoServer {
        let candidates = pythonCandidates()
        guard !candidates.isEmpty else {
            throw XCTSkip("python3 is not installed: moto integration tests skipped")
        }
        guard let python = candidates.first(where: canImportMoto) else {
            throw XCTSkip("no python3 on PATH has moto (pip install 'moto[server]'): moto integration tests skipped")
        }
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = MotoServer(process: process, port: port)
        try server.waitUntilListening(timeout: 20)
        return server
    }

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    private func waitUntilListening(timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard process.isRunning else { throw MotoError.exited(process.terminationStatus) }
            if Self.canConnect(port: port) { return }
            usleep(100_000)
        }
        stop()
        throw MotoError.notListening(port)
    }

    enum MotoError: Error {
        case exited(Int32)
        case notListening(Int)
        case noPort
    }

    /// `MOTO_PYTHON` if set, then every `python3` on PATH in order (pyenv shims included).
    static func pythonCandidates() -> [String] {
        let environment = ProcessInfo.processInfo.environment
        let onPath = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/python3" }
        return ([environment["MOTO_PYTHON"]].compactMap { $0 } + onPath + ["/usr/bin/python3"])
            .filter { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func canImportMoto(_ python: String) -> Bool {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import moto.server"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }

    /// Binds port 0 on loopback and reports what the kernel chose.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw MotoError.noPort }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw MotoError.noPort }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw MotoError.noPort }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
