import Foundation

/// How many operations apply keeps in flight against the services. It starts at the ceiling (`--parallelism`)
/// and adapts as TCP's congestion window does: when a service pushes back (HTTP 429, a queued or overloaded
/// answer, a retried request) the limit halves, at most once per round of operations started before the cut;
/// each operation that completes without push-back adds 1/limit, so the limit grows by one per window of
/// operations until it is back at the ceiling.
public final class AdaptiveConcurrency: @unchecked Sendable {
    public let ceiling: Int
    private let lock = NSLock()
    private var limit: Double
    private var inFlight = 0
    /// Bumped at each cut; push-back seen by an operation admitted before the last cut is already accounted for.
    private var generation = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(ceiling: Int) {
        self.ceiling = max(1, ceiling)
        limit = Double(self.ceiling)
        lowest = self.ceiling
    }

    private var peak = 0
    private var lowest: Int
    private var cuts = 0

    /// The current limit (whole operations).
    public var currentLimit: Int { lock.withLock { Int(limit) } }

    /// What the run went through, for `--trace`: the most operations in flight, the lowest limit, how many cuts.
    public var summary: (peakInFlight: Int, lowestLimit: Int, cuts: Int) { lock.withLock { (peak, lowest, cuts) } }

    /// Runs `operation` once the limit allows; providers report push-back from inside it with `ServiceLoad.pushedBack()`.
    public func run<T: Sendable>(_ operation: () async throws -> T) async throws -> T {
        let admitted = await acquire()
        let signal = LoadSignal()
        do {
            let result = try await ServiceLoad.$signal.withValue(signal) { try await operation() }
            release(admittedIn: admitted, pushedBack: signal.isSet)
            return result
        } catch {
            release(admittedIn: admitted, pushedBack: signal.isSet)
            throw error
        }
    }

    private func acquire() async -> Int {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = lock.withLock { () -> Bool in
                guard inFlight < Int(limit) else {
                    waiters.append(continuation)
                    return false
                }
                inFlight += 1
                peak = max(peak, inFlight)
                return true
            }
            if admitted { continuation.resume() }
        }
        return lock.withLock { generation }
    }

    private func release(admittedIn admitted: Int, pushedBack: Bool) {
        let woken = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            inFlight -= 1
            if pushedBack {
                if admitted == generation {
                    limit = max(1, (limit / 2).rounded(.down))
                    generation += 1
                    cuts += 1
                    lowest = min(lowest, Int(limit))
                }
            } else {
                limit = min(Double(ceiling), limit + 1 / limit)
            }
            var woken: [CheckedContinuation<Void, Never>] = []
            while inFlight < Int(limit), !waiters.isEmpty {
                inFlight += 1
                peak = max(peak, inFlight)
                woken.append(waiters.removeFirst())
            }
            return woken
        }
        for continuation in woken { continuation.resume() }
    }
}

/// What providers tell the engine about the service's load, from inside an operation `AdaptiveConcurrency` runs.
/// The engine knows no HTTP: a provider decides what counts as push-back (a 429, a statement queued, a retry).
public enum ServiceLoad {
    @TaskLocal static var signal: LoadSignal?

    /// The service pushed back on the operation in progress: apply slows down.
    public static func pushedBack() { signal?.set() }
}

final class LoadSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
