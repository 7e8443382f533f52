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
    /// nil when the lock file cannot be read (empty or not JSON).
    public var holder: LockInfo?
    public var location: String
    public var stale: Bool

    public init(holder: LockInfo?, location: String, stale: Bool) {
        self.holder = holder
        self.location = location
        self.stale = stale
    }

    public var description: String {
        guard let holder else {
            return "state is locked (\(location)), and the lock cannot be read: it is empty or not JSON, left by a run that crashed while taking it"
                + "\n  if no run is in progress, remove it with `infra state unlock` with the stack and --env"
        }
        var text = "state is locked: \(holder), lock at \(location)"
        if stale {
            text += "\n  that process is no longer running on this host; if no apply is in progress, run `infra state unlock` with the stack, --env and the lock id"
        } else {
            text += "\n  wait for it to finish; if it died, run `infra state unlock` with the stack, --env and the lock id \(holder.id)"
        }
        return text
    }
}

/// A lock file that exists but does not hold a lock's JSON (a crash between creating and writing it).
public struct UnreadableLockError: Error, CustomStringConvertible {
    public var location: String
    public init(location: String) { self.location = location }
    public var description: String { "the state lock \(location) is empty or not JSON" }
}

/// The state protocols, kept small so backends compose: reading, writing, and locking.
public protocol StateReader: Sendable { func read() async throws -> StateDocument? }
public protocol StateWriter: Sendable { func write(_ document: StateDocument) async throws }
public protocol StateLocker: Sendable {
    /// Takes the lock, or throws `StateLockedError` naming the holder.
    func lock(_ info: LockInfo) async throws
    /// Releases the lock if `id` holds it; throws `StateLockedError` if another does.
    func unlock(id: String) async throws
    /// The current holder, if any; for `infra state unlock` and error messages. Throws `UnreadableLockError`.
    func currentLock() async throws -> LockInfo?
    /// Replaces the lock `stale` (its holder died) by `info`, so that of several runs that found the same
    /// stale lock exactly one gets it; the others get `StateLockedError`.
    func breakLock(_ stale: LockInfo, taking info: LockInfo) async throws
    func forceUnlock() async throws
}
public typealias StateStore = StateReader & StateWriter & StateLocker

extension LockInfo {
    /// Held by a process of this host that no longer runs. A holder on another host is never judged stale.
    public var holderIsGone: Bool {
        host == ProcessInfo.processInfo.hostName && kill(pid, 0) != 0 && errno == ESRCH
    }
}

/// State on local disk: `.infra/state/STACK/ENV.json`, written atomically, locked with an exclusive lock file.
///
/// A lock file is created whole: its JSON is written to a temporary file that is then hard-linked to the
/// lock path, which fails when a lock exists; so no run ever sees a half-written lock of this version.
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

    public func lock(_ info: LockInfo) async throws { try lockNow(info) }

    public func breakLock(_ stale: LockInfo, taking info: LockInfo) async throws { try breakLockNow(stale, taking: info) }

    func lockNow(_ info: LockInfo) throws {
        // Twice: a holder that released between our attempt and our read leaves no lock to name.
        for _ in 0..<2 {
            if try createLock(info) {
                removeAbandonedTemporaries()
                return
            }
            let holder: LockInfo?
            do {
                guard let current = try readLock() else { continue }
                holder = current
            } catch is UnreadableLockError {
                holder = nil
            }
            throw StateLockedError(holder: holder, location: lockPath, stale: holder?.holderIsGone ?? false)
        }
        throw StateLockedError(holder: nil, location: lockPath, stale: false)
    }

    /// Only the run that creates `LOCK.break-ID` (exclusively) may remove the stale lock ID, and only once it
    /// has checked that the lock file still holds ID: a peer that broke it first and took a new lock is
    /// never removed. The break file goes once the new lock is taken (or refused).
    func breakLockNow(_ stale: LockInfo, taking info: LockInfo) throws {
        let marker = "\(lockPath).break-\(stale.id)"
        let fd = open(marker, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            guard errno == EEXIST else { throw POSIXFailure(operation: "create \(marker)", code: errno) }
            throw StateLockedError(holder: try? readLock(), location: lockPath, stale: false)
        }
        close(fd)
        defer { unlink(marker) }
        guard let current = try? readLock(), current.id == stale.id else {
            throw StateLockedError(holder: try? readLock(), location: lockPath, stale: false)
        }
        guard unlink(lockPath) == 0 || errno == ENOENT else { throw POSIXFailure(operation: "remove \(lockPath)", code: errno) }
        guard try createLock(info) else { throw StateLockedError(holder: try? readLock(), location: lockPath, stale: false) }
        removeAbandonedTemporaries()
    }

    public func unlock(id: String) async throws { try unlockNow(id: id) }

    func unlockNow(id: String) throws {
        guard let holder = try readLock() else { return }
        guard holder.id == id else { throw StateLockedError(holder: holder, location: lockPath, stale: false) }
        try FileManager.default.removeItem(atPath: lockPath)
    }

    public func currentLock() async throws -> LockInfo? { try readLock() }

    public func forceUnlock() async throws {
        if unlink(lockPath) != 0, errno != ENOENT { throw POSIXFailure(operation: "remove \(lockPath)", code: errno) }
    }

    /// State and lock files a killed run was writing; only the lock's holder calls this.
    func removeAbandonedTemporaries() {
        AtomicFile.removeAbandonedTemporaries(of: path)
        AtomicFile.removeAbandonedTemporaries(of: lockPath)
    }

    func readLock() throws -> LockInfo? {
        guard let data = FileManager.default.contents(atPath: lockPath) else { return nil }
        do {
            return try JSONDecoder().decode(LockInfo.self, from: data)
        } catch {
            throw UnreadableLockError(location: lockPath)
        }
    }

    /// Creates the lock file with its content in one step; false when a lock exists.
    func createLock(_ info: LockInfo) throws -> Bool {
        let directory = (lockPath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(lockPath)\(AtomicFile.temporaryMarker)\(getpid())-\(info.id)"
        try AtomicFile.writeSynced(try JSONEncoder().encode(info), to: temporary, mode: 0o644)
        defer { unlink(temporary) }
        guard link(temporary, lockPath) == 0 else {
            guard errno == EEXIST else { throw POSIXFailure(operation: "create lock \(lockPath)", code: errno) }
            return false
        }
        let dirfd = open(directory, O_RDONLY)
        if dirfd >= 0 { fsync(dirfd); close(dirfd) }
        return true
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
/// a temporary file beside it (`NAME.tmp-PID-RANDOM`), fsync, rename over the target, fsync the folder.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true)
        let temporary = "\(path)\(temporaryMarker)\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try writeSynced(data, to: temporary, mode: 0o600)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw POSIXFailure(operation: "rename \(temporary) to \(path)", code: code)
        }
        let dirfd = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if dirfd >= 0 { fsync(dirfd); close(dirfd) }
    }

    public static let temporaryMarker = ".tmp-"

    /// Creates (or truncates) `path` with `data`, flushed to disk; removes it if that fails.
    public static func writeSynced(_ data: Data, to path: String, mode: mode_t) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard fd >= 0 else { throw POSIXFailure(operation: "create \(path)", code: errno) }
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
            unlink(path)
            throw POSIXFailure(operation: "write \(path)", code: code)
        }
        close(fd)
    }

    /// Removes the temporary files of `path` that a killed writer left: those whose writer (the pid in
    /// the name) no longer runs. Called by whoever has just taken the lock on `path`, so no live writer's
    /// file is touched.
    public static func removeAbandonedTemporaries(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + temporaryMarker
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }),
                  pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink("\(directory)/\(name)")
        }
    }
}

public enum SHA256Hex {
    public static func of(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
