@testable import AWSClients
import Foundation
import SigV4
import XCTest

final class RetryPolicyTests: XCTestCase {
    let policy = RetryPolicy(random: { 0.5 })

    func testDefaults() {
        let policy = RetryPolicy()
        XCTAssertEqual(policy.maxAttempts, 5)
        XCTAssertEqual(policy.baseDelay, 0.1)
        XCTAssertEqual(policy.maxDelay, 20)
    }

    /// The decision with a full budget.
    func decide(_ policy: RetryPolicy, attempt: Int, _ failure: AttemptFailure) -> RetryDecision {
        var budget = RetryBudget()
        return policy.decide(attempt: attempt, failure: failure, budget: &budget)
    }

    func testExponentialBackoffWithFullJitter() {
        let throttled = AttemptFailure.service(status: 503, code: "SlowDown")
        XCTAssertEqual(decide(policy, attempt: 1, throttled), .retry(after: 0.05))
        XCTAssertEqual(decide(policy, attempt: 2, throttled), .retry(after: 0.1))
        XCTAssertEqual(decide(policy, attempt: 4, throttled), .retry(after: 0.4))
        XCTAssertEqual(decide(policy, attempt: 5, throttled), .giveUp, "five attempts in all")

        let long = RetryPolicy(maxAttempts: 20, random: { 0.999 })
        guard case .retry(let delay) = decide(long, attempt: 15, throttled) else {
            return XCTFail("expected a retry")
        }
        XCTAssertEqual(delay, 19.98, accuracy: 0.001, "capped at 20 s")
        XCTAssertEqual(decide(RetryPolicy(random: { 0 }), attempt: 3, throttled), .retry(after: 0))
    }

    func testRetryableCodesAndStatuses() {
        for code in ["SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "RequestTimeout", "InternalError"] {
            XCTAssertNotEqual(decide(policy, attempt: 1, .service(status: 400, code: code)), .giveUp, code)
        }
        for status in [429, 500, 502, 503, 504] {
            XCTAssertNotEqual(decide(policy, attempt: 1, .service(status: status, code: "Whatever")), .giveUp, "\(status)")
        }
        for transport in [TransportError.timedOut, .connectionLost("reset by peer")] {
            XCTAssertNotEqual(decide(policy, attempt: 1, .transport(transport)), .giveUp)
        }
        XCTAssertNotEqual(decide(policy, attempt: 1, .service(status: 409, code: "OperationAborted")), .giveUp,
                          "two changes of one bucket at once: S3 refuses one, to be tried again")
    }

    func testPermanentFailuresAreNotRetried() {
        for (status, code) in [(404, "NoSuchBucket"), (403, "AccessDenied"), (400, "MalformedXML"), (409, "DeleteConflict"),
                               (412, "PreconditionFailed"), (409, "EntityAlreadyExists")] {
            XCTAssertEqual(decide(policy, attempt: 1, .service(status: status, code: code)), .giveUp)
        }
        XCTAssertEqual(decide(policy, attempt: 1, .transport(.cannotConnect("refused"))), .giveUp)
    }

    /// Standard mode's quota: 500 tokens, 5 a retry, 10 after a timeout; refunded on success after retries,
    /// one more for a success at first try; a retry the budget cannot pay is not made.
    func testTheRetryBudgetEndsRetriesInALongOutage() {
        var budget = RetryBudget()
        let throttled = AttemptFailure.service(status: 503, code: "SlowDown")
        var retries = 0
        while case .retry = policy.decide(attempt: 1, failure: throttled, budget: &budget) { retries += 1 }
        XCTAssertEqual(retries, 100)
        XCTAssertEqual(budget.tokens, 0)
        budget.deposit(afterSuccessHaving: 0)
        XCTAssertEqual(budget.tokens, 1)
        XCTAssertEqual(policy.decide(attempt: 1, failure: throttled, budget: &budget), .giveUp)
        budget.deposit(afterSuccessHaving: 10)
        XCTAssertEqual(budget.tokens, 11)
        XCTAssertEqual(policy.decide(attempt: 1, failure: .transport(.timedOut), budget: &budget), .retry(after: 0.05))
        XCTAssertEqual(budget.tokens, 1, "a timeout costs 10")
        var full = RetryBudget()
        full.deposit(afterSuccessHaving: 0)
        XCTAssertEqual(full.tokens, RetryBudget.capacity, "never above capacity")
    }

    func testWhichFailuresMayHaveBeenCarriedOut() {
        XCTAssertFalse(RetryPolicy.mayHaveBeenCarriedOut(.service(status: 503, code: "SlowDown")))
        XCTAssertFalse(RetryPolicy.mayHaveBeenCarriedOut(.service(status: 400, code: "Throttling")))
        XCTAssertFalse(RetryPolicy.mayHaveBeenCarriedOut(.service(status: 429, code: "TooManyRequests")))
        XCTAssertFalse(RetryPolicy.mayHaveBeenCarriedOut(.service(status: 409, code: "OperationAborted")))
        XCTAssertTrue(RetryPolicy.mayHaveBeenCarriedOut(.service(status: 500, code: "InternalError")))
        XCTAssertTrue(RetryPolicy.mayHaveBeenCarriedOut(.service(status: 503, code: "ServiceUnavailable")))
        XCTAssertTrue(RetryPolicy.mayHaveBeenCarriedOut(.transport(.connectionLost("reset"))))
    }

    // MARK: The executor applies the decision

    func configuration(_ transport: FakeTransport) -> AWSClientConfiguration {
        AWSClientConfiguration(credentials: SigningCredentials(accessKeyId: "AKID", secretAccessKey: "secret"),
                               region: "us-east-1", endpointURL: URL(string: "http://127.0.0.1:9")!,
                               retryPolicy: RetryPolicy(random: { 1 }), transport: transport)
    }

    func testExecutorRetriesIdempotentCallsThenSucceedsAndCountsOneCall() async throws {
        let transport = FakeTransport([
            FakeTransport.xml(503, "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>"),
            .failure(.connectionLost("reset")),
            FakeTransport.xml(200, "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"),
        ])
        var s3 = S3Client(configuration: configuration(transport))
        let sleeps = DelayRecorder()
        s3 = s3.withSleep { await sleeps.record($0) }
        let versioning = try await s3.getBucketVersioning("bucket")
        XCTAssertEqual(versioning.status, .enabled)
        XCTAssertEqual(transport.requests.count, 3)
        let delays = await sleeps.delays
        XCTAssertEqual(delays, [0.1, 0.2])
        XCTAssertEqual(s3.calls.snapshot, ["s3:GetBucketVersioning": 1])
        XCTAssertEqual(s3.calls.retryCount, 2)
    }

    func testExecutorRetriesCallsThatAreNotIdempotent() async throws {
        let transport = FakeTransport([
            FakeTransport.xml(503, "<Error><Code>SlowDown</Code><Message>m</Message></Error>"),
            FakeTransport.xml(200, ""),
        ])
        let s3 = S3Client(configuration: configuration(transport)).withSleep { _ in }
        try await s3.createBucket("bucket")
        XCTAssertEqual(transport.requests.count, 2)
    }

    /// A CreateBucket whose first attempt may have been carried out (a 500) and whose repeat finds the bucket
    /// ours counts as done; the same answer to a first attempt, or after a throttling answer, is an error.
    func testARepeatFindingTheWorkDoneCountsAsDone() async throws {
        let owned = FakeTransport.xml(409, "<Error><Code>BucketAlreadyOwnedByYou</Code><Message>m</Message></Error>")
        var transport = FakeTransport([FakeTransport.xml(500, "<Error><Code>InternalError</Code><Message>m</Message></Error>"), owned])
        try await S3Client(configuration: configuration(transport)).withSleep { _ in }.createBucket("bucket")
        XCTAssertEqual(transport.requests.count, 2)

        for answers in [[owned], [FakeTransport.xml(503, "<Error><Code>SlowDown</Code><Message>m</Message></Error>"), owned]] {
            transport = FakeTransport(answers)
            do {
                try await S3Client(configuration: configuration(transport)).withSleep { _ in }.createBucket("bucket")
                XCTFail("expected BucketAlreadyOwnedByYou")
            } catch let error as AWSError {
                XCTAssertEqual(error.code, "BucketAlreadyOwnedByYou")
            }
        }
    }

    func testExecutorSurfacesTheLastTransportError() async throws {
        let transport = FakeTransport(Array(repeating: .failure(.timedOut), count: 5))
        let s3 = S3Client(configuration: configuration(transport)).withSleep { _ in }
        do {
            _ = try await s3.listBuckets()
            XCTFail("expected a timeout")
        } catch let error as TransportError {
            XCTAssertEqual(error, .timedOut)
        }
        XCTAssertEqual(transport.requests.count, 5)
    }
}

actor DelayRecorder {
    var delays: [TimeInterval] = []
    func record(_ delay: TimeInterval) { delays.append(delay) }
}
