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

    func testExponentialBackoffWithFullJitter() {
        let throttled = AttemptFailure.service(status: 503, code: "SlowDown")
        XCTAssertEqual(policy.decide(attempt: 1, failure: throttled, idempotent: true), .retry(after: 0.05))
        XCTAssertEqual(policy.decide(attempt: 2, failure: throttled, idempotent: true), .retry(after: 0.1))
        XCTAssertEqual(policy.decide(attempt: 4, failure: throttled, idempotent: true), .retry(after: 0.4))
        XCTAssertEqual(policy.decide(attempt: 5, failure: throttled, idempotent: true), .giveUp, "five attempts in all")

        let long = RetryPolicy(maxAttempts: 20, random: { 0.999 })
        guard case .retry(let delay) = long.decide(attempt: 15, failure: throttled, idempotent: true) else {
            return XCTFail("expected a retry")
        }
        XCTAssertEqual(delay, 19.98, accuracy: 0.001, "capped at 20 s")
        XCTAssertEqual(RetryPolicy(random: { 0 }).decide(attempt: 3, failure: throttled, idempotent: true), .retry(after: 0))
    }

    func testRetryableCodesAndStatuses() {
        for code in ["SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "RequestTimeout"] {
            XCTAssertNotEqual(policy.decide(attempt: 1, failure: .service(status: 400, code: code), idempotent: true),
                              .giveUp, code)
        }
        for status in [429, 500, 502, 503, 504] {
            XCTAssertNotEqual(policy.decide(attempt: 1, failure: .service(status: status, code: "Whatever"), idempotent: true),
                              .giveUp, "\(status)")
        }
        for transport in [TransportError.timedOut, .connectionLost("reset by peer")] {
            XCTAssertNotEqual(policy.decide(attempt: 1, failure: .transport(transport), idempotent: true), .giveUp)
        }
    }

    func testPermanentFailuresAreNotRetried() {
        for (status, code) in [(404, "NoSuchBucket"), (403, "AccessDenied"), (400, "MalformedXML"), (409, "DeleteConflict"),
                               (412, "PreconditionFailed")] {
            XCTAssertEqual(policy.decide(attempt: 1, failure: .service(status: status, code: code), idempotent: true), .giveUp)
        }
        XCTAssertEqual(policy.decide(attempt: 1, failure: .transport(.cannotConnect("refused")), idempotent: true), .giveUp)
    }

    func testCallsThatAreNotSafeToRepeatAreNeverRetried() {
        XCTAssertEqual(policy.decide(attempt: 1, failure: .service(status: 503, code: "SlowDown"), idempotent: false), .giveUp)
        XCTAssertEqual(policy.decide(attempt: 1, failure: .transport(.timedOut), idempotent: false), .giveUp)
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

    func testExecutorGivesUpOnNonIdempotentCalls() async throws {
        let transport = FakeTransport([FakeTransport.xml(503, "<Error><Code>SlowDown</Code><Message>m</Message></Error>")])
        let s3 = S3Client(configuration: configuration(transport)).withSleep { _ in }
        do {
            try await s3.createBucket("bucket")
            XCTFail("expected the 503")
        } catch let error as AWSError {
            XCTAssertEqual(error.code, "SlowDown")
        }
        XCTAssertEqual(transport.requests.count, 1)
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
