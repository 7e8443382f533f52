import Foundation

/// Counts calls per `service:Action` (logical calls; retries of one call count once), so a caller
/// can report how many API calls an operation made. Safe to share between clients and tasks.
public final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    private var retries = 0

    public init() {}

    public func record(service: String, action: String) {
        lock.lock()
        defer { lock.unlock() }
        counts["\(service):\(action)", default: 0] += 1
    }

    func recordRetry() {
        lock.lock()
        defer { lock.unlock() }
        retries += 1
    }

    /// `"s3:GetBucketTagging" → 3`, and so on.
    public var snapshot: [String: Int] {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }

    public var total: Int { snapshot.values.reduce(0, +) }

    public var retryCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return retries
    }

    public func reset() {
        lock.lock()
        defer { lock.unlock() }
        counts = [:]
        retries = 0
    }
}
