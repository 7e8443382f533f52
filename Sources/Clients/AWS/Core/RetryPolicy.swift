import Foundation

/// Why an attempt failed, as far as the retry decision cares.
public enum AttemptFailure: Sendable, Equatable {
    case service(status: Int, code: String)
    case transport(TransportError)
}

public enum RetryDecision: Sendable, Equatable {
    case retry(after: TimeInterval)
    case giveUp
}

/// When to try a failed call again: a pure function of the attempt number, the failure and whether
/// the call is safe to repeat. Delays are exponential with full jitter (a uniform draw between zero
/// and `min(maxDelay, baseDelay * 2^(attempt-1))`), so many clients backing off do not stay in step.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval
    /// Returns a number in `0..<1`; tests inject a fixed one.
    public var random: @Sendable () -> Double

    public static let retryableCodes: Set<String> = [
        "SlowDown", "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
        "RequestThrottled", "RequestTimeout", "RequestTimeoutException", "TooManyRequestsException",
        "InternalError", "ServiceUnavailable",
    ]
    public static let retryableStatuses: Set<Int> = [429, 500, 502, 503, 504]

    public init(maxAttempts: Int = 5, baseDelay: TimeInterval = 0.1, maxDelay: TimeInterval = 20,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.random = random
    }

    public static let `default` = RetryPolicy()
    public static let never = RetryPolicy(maxAttempts: 1)

    /// `attempt` is the number of the attempt that just failed, starting at 1.
    public func decide(attempt: Int, failure: AttemptFailure, idempotent: Bool) -> RetryDecision {
        guard idempotent, attempt < maxAttempts, Self.isTransient(failure) else { return .giveUp }
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
        return .retry(after: ceiling * min(max(random(), 0), 1))
    }

    public static func isTransient(_ failure: AttemptFailure) -> Bool {
        switch failure {
        case .service(let status, let code):
            return retryableCodes.contains(code) || retryableStatuses.contains(status)
        case .transport(let error):
            switch error {
            case .timedOut, .connectionLost: return true
            case .cannotConnect, .other: return false
            }
        }
    }
}
