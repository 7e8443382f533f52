import Foundation

/// Reads back what apply wrote: one bulk `readBack` per kind for every object of the kind written in one wave.
/// A kind's read goes out once none of its writes is still under way (the wave is done), or once as many objects
/// wait as the concurrency limit lets out at once (a wave larger than the limit is read a window at a time), or
/// after `longestWait` (a slow write does not hold the others back for long). Objects written while a read is in
/// flight go in the next one. A failed read fails each object it was for.
final class ReadBackBatcher: @unchecked Sendable {
    struct Waiter {
        var identity: String
        var continuation: CheckedContinuation<LiveObject, Error>
    }

    let limiter: AdaptiveConcurrency
    let longestWait: TimeInterval
    private let lock = NSLock()
    private var waiting: [String: [Waiter]] = [:]
    private var oldest: [String: Date] = [:]
    /// Writes of each kind sent or about to be, whose objects are not waiting yet.
    private var writing: [String: Int] = [:]
    /// Kinds with a reader running.
    private var reading: Set<String> = []

    init(limiter: AdaptiveConcurrency, longestWait: TimeInterval = 5) {
        self.limiter = limiter
        self.longestWait = longestWait
    }

    /// Runs the write (which returns the identity to read back), then waits for the object's shared read-back.
    func written(of kind: any BulkReadBackKind, _ write: () async throws -> String) async throws -> LiveObject {
        let name = kind.schema.name
        lock.withLock { writing[name, default: 0] += 1 }
        let identity: String
        do {
            identity = try await write()
        } catch {
            lock.withLock { writing[name, default: 0] -= 1 }
            throw error
        }
        return try await withCheckedThrowingContinuation { continuation in
            let startReader = lock.withLock { () -> Bool in
                writing[name, default: 0] -= 1
                if waiting[name, default: []].isEmpty { oldest[name] = Date() }
                waiting[name, default: []].append(Waiter(identity: identity, continuation: continuation))
                return reading.insert(name).inserted
            }
            if startReader { Task { await self.readUntilDrained(kind) } }
        }
    }

    private func readUntilDrained(_ kind: any BulkReadBackKind) async {
        let name = kind.schema.name
        while true {
            // Writes of one wave finish close together: a short pause lets them join before each check.
            try? await Task.sleep(nanoseconds: 5_000_000)
            let limit = limiter.currentLimit
            let batch = lock.withLock { () -> [Waiter]? in
                let count = waiting[name]?.count ?? 0
                if count == 0 {
                    reading.remove(name)
                    return []
                }
                let waveDone = writing[name, default: 0] == 0
                let windowFull = count >= limit
                let waitedLong = -(oldest[name] ?? Date()).timeIntervalSinceNow >= longestWait
                guard waveDone || windowFull || waitedLong else { return nil }
                oldest[name] = nil
                return waiting.removeValue(forKey: name)
            }
            guard let batch else { continue }
            guard !batch.isEmpty else { return }
            await read(batch, of: kind)
        }
    }

    private func read(_ batch: [Waiter], of kind: any BulkReadBackKind) async {
        do {
            let identities = Array(Set(batch.map(\.identity))).sorted()
            let found = try await limiter.run { try await kind.readBack(identities) }
            for waiter in batch {
                if let object = found[waiter.identity] {
                    waiter.continuation.resume(returning: object)
                } else {
                    waiter.continuation.resume(throwing: WrittenButNotFound(kind: kind.schema.name, identity: waiter.identity))
                }
            }
        } catch {
            for waiter in batch { waiter.continuation.resume(throwing: error) }
        }
    }
}
