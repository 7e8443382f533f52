import Foundation
import InfraEngine

/// Remote state in S3 (`backend: {s3: {bucket, key}}`), locked as Terraform 1.10+ does: the lock is an object
/// `KEY.tflock`-style beside the state (`KEY.lock`), created with `If-None-Match: *`, so of two runs only one
/// can create it; the other reads who holds it and since when.
public struct S3StateStore: StateStore {
    public let bucket: String
    public let key: String
    let connect: @Sendable () async throws -> any S3StateObjects

    public init(bucket: String, key: String, connect: @escaping @Sendable () async throws -> any S3StateObjects) {
        self.bucket = bucket
        self.key = key
        self.connect = connect
    }

    public var lockKey: String { key + ".lock" }
    var location: String { "s3://\(bucket)/\(lockKey)" }

    public func read() async throws -> StateDocument? {
        guard let data = try await connect().getObject(bucket, key: key) else { return nil }
        return try StateCodec.decode(data, source: "s3://\(bucket)/\(key)")
    }

    /// One PutObject replaces the whole object at once: readers see the old state or the new, never a mix.
    public func write(_ document: StateDocument) async throws {
        try await connect().putObject(bucket, key: key, body: try StateCodec.encode(document), contentType: "application/json", contentEncoding: nil)
    }

    public func lock(_ info: LockInfo) async throws {
        let created = try await connect().putObjectIfAbsent(bucket, key: lockKey, body: try JSONEncoder().encode(info))
        guard created else {
            let holder = try? await currentLock()
            // A repeated PutObject whose first attempt was carried out finds our own lock.
            if holder?.id == info.id { return }
            // A remote lock is never judged stale by pid: the holder may run on another machine.
            throw StateLockedError(holder: holder, location: location, stale: false)
        }
    }

    /// Never called: a remote lock is never stale.
    public func breakLock(_ stale: LockInfo, taking info: LockInfo) async throws {
        throw StateLockedError(holder: stale, location: location, stale: false)
    }

    public func unlock(id: String) async throws {
        guard let holder = try await currentLock() else { return }
        guard holder.id == id else { throw StateLockedError(holder: holder, location: location, stale: false) }
        try await connect().deleteKeys(bucket, [lockKey])
    }

    public func currentLock() async throws -> LockInfo? {
        guard let data = try await connect().getObject(bucket, key: lockKey) else { return nil }
        do {
            return try JSONDecoder().decode(LockInfo.self, from: data)
        } catch {
            throw UnreadableLockError(location: location)
        }
    }

    public func forceUnlock() async throws { try await connect().deleteKeys(bucket, [lockKey]) }
}
