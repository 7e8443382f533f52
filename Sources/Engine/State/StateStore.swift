import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Who holds a state lock, shown to whoever is refused it.
public struct LockInfo: Codable, Sendable, Equatable, CustomStringConvertible {
    public var id: String
    public var operation: String
    public var who: String
    public var host: String
    public var pid: Int32
    public var createdAt: String

    public init(operation: String) {
        id = UUID().uuidString.lowercased()
        self.operation = operation
        host = ProcessInfo.processInfo.hostName
        who = (ProcessInfo.processInfo.environment["USER"] ?? "unknown") + "@" + host
        pid = ProcessInfo.processInfo.processIdentifier
        createdAt = Timestamp.now()
    }

    public var description: String { "\(operation) by \(who) (pid \(pid)) since \(createdAt), lock id \(id)" }

    enum CodingKeys: String, CodingKey { case id, operation, who, host, pid, createdAt = "created_at" }
}

public struct StateLockedError: Error, CustomStringConvertible {
    public var holder: LockInfo?
    public var location: String
    public var stale: Bool

    public init(holder: LockInfo?, location: String, stale: Bool) {
        self.holder = holder
        self.location = location
        self.stale = stale
    }

    public var description: String {
        guard let holder else { return "state is locked (\(location)); the lock cannot be read" }
        var text = "state is locked: \(holder), lock at \(location)"
        if stale {
            text += "\n  that process is no longer running on this host; if no apply is in progress, run `infra state unlock` with the stack and --env"
        } else {
            text += "\n  wait for it to finish; if it died, run `infra state unlock` with the stack and --env"
        }
        return text
    }
}

/// The state protocols, kept small so backends compose: reading, writing, and locking.
public protocol StateReader: Sendable { func read() async throws -> StateDocument? }
public protocol StateWriter: Sendable { func write(_ document: StateDocument) async throws }
public protocol StateLocker: Sendable {
    func lock(_ info: LockInfo) async throws
    func unlock(id: String) async throws
    /// The current holder, if any; for `infra state unlock` and error messages.
    func currentLock() async throws -> LockInfo?
    func forceUnlock() async throws
}
public typealias StateStore = StateReader & StateWriter & StateLocker

/// State on local disk: `.infra/state/STACK/ENV.json`, written atomically, locked with an exclusive lock file.
public struct LocalStateStore: StateStore {
    public let path: String
    public var lockPath: String { path + ".lock" }

    public init(path: String) { self.path = path }

    public func read() async throws -> StateDocument? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try StateCodec.decode(data, source: path)
    }

    public func write(_ document: StateDocument) async throws {
        try AtomicFile.write(try StateCodec.encode(document), to: path)
    }

    public func lock(_ info: LockInfo) async throws {
        try FileManager.default.createDirectory(atPath: (lockPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(info)
        let fd = open(lockPath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if fd < 0 {
            guard errno == EEXIST else { throw POSIXFailure(operation: "create lock \(lockPath)", code: errno) }
            let holder = try? await currentLock()
            var stale = false
            if let holder, holder.host == ProcessInfo.processInfo.hostName, kill(holder.pid, 0) != 0, errno == ESRCH { stale = true }
            throw StateLockedError(holder: holder, location: lockPath, stale: stale)
        }
        defer { close(fd) }
        _ = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
    }

    public func unlock(id: String) async throws {
        guard let holder = try await currentLock() else { return }
        guard holder.id == id else { throw StateLockedError(holder: holder, location: lockPath, stale: false) }
        try FileManager.default.removeItem(atPath: lockPath)
    }

    public func currentLock() async throws -> LockInfo? {
        guard let data = FileManager.default.contents(atPath: lockPath) else { return nil }
        return try JSONDecoder().decode(LockInfo.self, from: data)
    }

    public func forceUnlock() async throws {
        if FileManager.default.fileExists(atPath: lockPath) { try FileManager.default.removeItem(atPath: lockPath) }
    }
}

public enum StateCodec {
    public static func encode(_ document: StateDocument) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document) + Data("\n".utf8)
    }

    public static func decode(_ data: Data, source: String) throws -> StateDocument {
        struct Header: Decodable { var format_version: Int }
        if let header = try? JSONDecoder().decode(Header.self, from: data), header.format_version > StateDocument.currentFormatVersion {
            throw Diagnostic("state \(source) has format version \(header.format_version); this infra reads up to \(StateDocument.currentFormatVersion)",
                             at: nil, hint: "upgrade infra")
        }
        do {
            return try JSONDecoder().decode(StateDocument.self, from: data)
        } catch {
            throw Diagnostic("state \(source) cannot be read: \(error)", at: nil, hint: "restore it from a backup or version history")
        }
    }
}

public struct POSIXFailure: Error, CustomStringConvertible {
    public var operation: String
    public var code: Int32
    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }
    public var description: String { "\(operation): \(String(cString: strerror(code)))" }
}

/// Writes a file so that readers see the old or the new content, never a torn one, even across a crash:
/// a temporary file beside it, fsync, rename over the target, fsync the folder.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true)
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw POSIXFailure(operation: "create \(temporary)", code: errno) }
        var written = 0
        let ok = data.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n <= 0 { return false }
                written += n
            }
            return true
        }
        guard ok, fsync(fd) == 0 else {
            let code = errno
            close(fd)
            unlink(temporary)
            throw POSIXFailure(operation: "write \(temporary)", code: code)
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw POSIXFailure(operation: "rename \(temporary) to \(path)", code: code)
        }
        let dirfd = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if dirfd >= 0 { fsync(dirfd); close(dirfd) }
    }
}

public enum SHA256Hex {
    public static func of(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
