import Foundation

/// When to try a request again: a pure decision over the attempt number and what went wrong, so it is
/// tested without a network. Every SQL API request is safe to repeat because each carries a `requestId`
/// and repeats say `retry=true`: Snowflake answers a repeat with the first run's result.
public struct RetryPolicy: Sendable {
    public enum Failure: Sendable, Equatable {
        case status(Int)
        case connectionLost
        case timedOut
        case unreachable
    }

    public enum Decision: Sendable, Equatable {
        case retry(after: TimeInterval)
        case giveUp
    }

    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval

    public init(maxAttempts: Int = 6, baseDelay: TimeInterval = 0.2, maxDelay: TimeInterval = 10) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public static let none = RetryPolicy(maxAttempts: 1)

    public static func isTransient(_ failure: Failure) -> Bool {
        switch failure {
        case .status(let code): return [429, 500, 502, 503, 504].contains(code)
        case .connectionLost, .timedOut, .unreachable: return true
        }
    }

    /// `attempt` counts from 1 (the attempt that just failed). Full jitter: a uniform delay in
    /// [0, min(cap, base·2^(attempt-1))], which spreads a crowd of retrying clients best.
    public func decide(attempt: Int, failure: Failure, random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }) -> Decision {
        guard Self.isTransient(failure), attempt < maxAttempts else { return .giveUp }
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
        return .retry(after: random(0...ceiling))
    }
}
