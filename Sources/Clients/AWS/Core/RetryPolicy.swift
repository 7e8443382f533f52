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

/// The retry quota of the AWS SDKs' standard mode: a client starts with 500 tokens; a retry costs 5
/// (10 after a timeout or dropped connection) and is refused when the bucket cannot pay; a call that
/// succeeds after retrying gives its cost back, one that succeeds first time adds 1. A long outage
/// thus ends in quick failures instead of every call waiting through all its attempts.
public struct RetryBudget: Sendable, Equatable {
    public static let capacity = 500
    public static let retryCost = 5
    public static let timeoutCost = 10

    public private(set) var tokens: Int

    public init(tokens: Int = RetryBudget.capacity) { self.tokens = tokens }

    public static func cost(of failure: AttemptFailure) -> Int {
        if case .transport = failure { return timeoutCost }
        return retryCost
    }

    /// Takes the cost of retrying after `failure`; false (taking nothing) when there is not enough left.
    public mutating func withdraw(for failure: AttemptFailure) -> Int? {
        let cost = Self.cost(of: failure)
        guard tokens >= cost else { return nil }
        tokens -= cost
        return cost
    }

    /// After a call succeeded, having paid `spent` tokens for its retries.
    public mutating func deposit(afterSuccessHaving spent: Int) {
        tokens = min(Self.capacity, tokens + (spent > 0 ? spent : 1))
    }
}

/// When to try a failed call again, as the AWS SDKs' standard retry mode decides: a pure function of the
/// attempt number, the failure and the retry budget. Throttling and transient failures are retried for
/// every call, idempotent or not: AWS documents throttling answers as not carried out, and a call that may
/// have been carried out (a 500, a connection lost before the answer) is made safe to repeat by its caller
/// (`OperationRequest.doneIfRepeatAnswers`, and the providers' checks of what already exists).
/// Delays are exponential with full jitter (a uniform draw between zero and
/// `min(maxDelay, baseDelay * 2^(attempt-1))`), so many clients backing off do not stay in step.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval
    /// Returns a number in `0..<1`; tests inject a fixed one.
    public var random: @Sendable () -> Double

    /// The SDKs' throttling codes (botocore `standard.py`, the Java SDK's `RetryUtils`).
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    /// The SDKs' transient codes, plus the codes S3 and IAM send with a 500/503.
    public static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "InternalError", "InternalFailure",
        "ServiceUnavailable",
    ]
    /// S3's 409 for a call that ran into another change of the same bucket ("A conflicting conditional operation
    /// is currently in progress against this resource. Please try again."), as when two sub-resources of one
    /// bucket are set at once: not carried out, and retried (as the Terraform AWS provider does, PR #12949).
    public static let conflictCodes: Set<String> = ["OperationAborted"]
    public static var retryableCodes: Set<String> { throttlingCodes.union(transientCodes).union(conflictCodes) }
    public static let retryableStatuses: Set<Int> = [429, 500, 502, 503, 504]

    /// Five attempts rather than the SDKs' default three: at a 10 % fault rate three attempts leave one call
    /// in a thousand failed, too many for an apply of a few hundred calls.
    public init(maxAttempts: Int = 5, baseDelay: TimeInterval = 0.1, maxDelay: TimeInterval = 20,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.random = random
    }

    public static let `default` = RetryPolicy()
    public static let never = RetryPolicy(maxAttempts: 1)

    /// `attempt` is the number of the attempt that just failed, starting at 1. A retry is paid from `budget`.
    public func decide(attempt: Int, failure: AttemptFailure, budget: inout RetryBudget) -> RetryDecision {
        guard attempt < maxAttempts, Self.isTransient(failure), budget.withdraw(for: failure) != nil else { return .giveUp }
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

    /// Whether the failed attempt may have been carried out: throttling and conflict answers are documented as
    /// not executed; a server error or a connection lost before the answer may hide a completed call.
    public static func mayHaveBeenCarriedOut(_ failure: AttemptFailure) -> Bool {
        switch failure {
        case .service(let status, let code): return !(status == 429 || throttlingCodes.contains(code) || conflictCodes.contains(code))
        case .transport: return true
        }
    }
}

/// The retry budget one connection's clients share (the SDKs keep one per client).
public final class SharedRetryBudget: @unchecked Sendable {
    private let lock = NSLock()
    private var budget = RetryBudget()

    public init() {}

    public var tokens: Int { lock.withLock { budget.tokens } }

    func decide(_ policy: RetryPolicy, attempt: Int, failure: AttemptFailure) -> RetryDecision {
        lock.withLock { policy.decide(attempt: attempt, failure: failure, budget: &budget) }
    }

    func succeeded(havingSpent spent: Int) {
        lock.withLock { budget.deposit(afterSuccessHaving: spent) }
    }
}
