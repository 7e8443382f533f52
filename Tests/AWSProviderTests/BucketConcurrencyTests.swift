import Foundation
import InfraEngine
import XCTest
@testable import AWSProvider

/// Refresh reads a bucket's sub-resources all at once and `objectsReadAtOnce` buckets at a time; a change
/// sets sub-resources together, public access before the policy.
final class BucketConcurrencyTests: XCTestCase {
    func testRefreshReadsSubResourcesTogetherAndBoundsTheBuckets() async throws {
        let s3 = SlowBuckets()
        let names = (0..<40).map { "b\($0)" }
        let started = Date()
        let live = try await BucketKind(defaultRegion: "us-east-1") { s3 }.read(names)
        XCTAssertEqual(live.count, 40)
        XCTAssertEqual(live["b7"]?.properties["versioning"], .bool(true))
        XCTAssertEqual(live["b7"]?.properties["tags"], .map(["team": "data"]))
        XCTAssertEqual(s3.mostBucketsAtOnce, objectsReadAtOnce, "never more buckets in flight than the limit")
        XCTAssertEqual(s3.mostCallsForOneBucket, 8, "region, versioning, encryption, public access, lifecycle, tags, policy, notifications")
        // 40 buckets, 32 at a time: 2 rounds of one 50 ms call each, not 40 × 8 calls one after another.
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.5)
    }

    func testSubResourcesAreSetTogetherPublicAccessBeforePolicy() async throws {
        let s3 = SlowBuckets()
        let kind = BucketKind(defaultRegion: "us-east-1") { s3 }
        try await kind.apply("b1", address: "landing", properties: [
            "versioning": .bool(true), "encryption": "AES256", "public_access": "blocked", "tags": .map(["team": "data"]),
            "lifecycle_rules": .list([.map(["prefix": "raw/", "expire_days": .int(30)])]),
            "policy": .map(["Version": "2012-10-17", "Statement": .list([.map(["Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                                                             "Resource": "arn:aws:s3:::b1"])])]),
        ], only: ["versioning", "encryption", "public_access", "tags", "lifecycle_rules", "policy"], s3: s3)
        let log = s3.log
        XCTAssertEqual(Set(log.map(\.call)), ["setVersioning", "setEncryption", "setPublicAccessBlock", "setTags", "setLifecycleRules", "setPolicy"])
        let publicAccess = try XCTUnwrap(log.first { $0.call == "setPublicAccessBlock" })
        let policy = try XCTUnwrap(log.first { $0.call == "setPolicy" })
        XCTAssertLessThanOrEqual(publicAccess.ended, policy.started, "the policy is judged by the new blocks")
        XCTAssertEqual(s3.mostCallsForOneBucket, 5, "the other four alongside public access, then the policy")
    }
}

/// Every bucket exists and is fully configured; each call takes 50 ms and is logged with its times.
private final class SlowBuckets: S3BucketOperations, @unchecked Sendable {
    struct Call { var bucket: String; var call: String; var started: Date; var ended: Date }

    private let lock = NSLock()
    private var calls: [Call] = []
    private var inFlight: [String: Int] = [:]
    private var mostBuckets = 0
    private var mostForOne = 0

    var log: [Call] { lock.withLock { calls } }
    var mostBucketsAtOnce: Int { lock.withLock { mostBuckets } }
    var mostCallsForOneBucket: Int { lock.withLock { mostForOne } }

    private func call<T>(_ bucket: String, _ answer: T, name: String = #function) async throws -> T {
        let started = Date()
        lock.withLock {
            inFlight[bucket, default: 0] += 1
            mostBuckets = max(mostBuckets, inFlight.count)
            mostForOne = max(mostForOne, inFlight[bucket]!)
        }
        try await Task.sleep(nanoseconds: 50_000_000)
        lock.withLock {
            inFlight[bucket]! -= 1
            if inFlight[bucket] == 0 { inFlight[bucket] = nil }
            calls.append(Call(bucket: bucket, call: String(name.prefix { $0 != "(" }), started: started, ended: Date()))
        }
        return answer
    }

    func listBucketNames() async throws -> Set<String> { Set((0..<100).map { "b\($0)" }) }
    func bucketRegion(_ bucket: String) async throws -> String { try await call(bucket, "us-east-1") }
    func createBucket(_ bucket: String, region: String) async throws { try await call(bucket, ()) }
    func deleteBucket(_ bucket: String) async throws { try await call(bucket, ()) }
    func versioningEnabled(_ bucket: String) async throws -> Bool { try await call(bucket, true) }
    func setVersioning(_ bucket: String, enabled: Bool) async throws { try await call(bucket, ()) }
    func encryption(_ bucket: String) async throws -> BucketEncryption? { try await call(bucket, BucketEncryption(algorithm: "AES256")) }
    func setEncryption(_ bucket: String, _ value: BucketEncryption?) async throws { try await call(bucket, ()) }
    func publicAccessBlock(_ bucket: String) async throws -> PublicAccessBlock? { try await call(bucket, .allBlocked) }
    func setPublicAccessBlock(_ bucket: String, _ value: PublicAccessBlock?) async throws { try await call(bucket, ()) }
    func lifecycleRules(_ bucket: String) async throws -> [LifecycleRule]? { try await call(bucket, [LifecycleRule(id: "rule-1", prefix: "raw/")]) }
    func setLifecycleRules(_ bucket: String, _ rules: [LifecycleRule]) async throws { try await call(bucket, ()) }
    func tags(_ bucket: String) async throws -> [String: String]? { try await call(bucket, ["team": "data"]) }
    func setTags(_ bucket: String, _ tags: [String: String]) async throws { try await call(bucket, ()) }
    func policy(_ bucket: String) async throws -> String? { try await call(bucket, nil) }
    func setPolicy(_ bucket: String, _ json: String?) async throws { try await call(bucket, ()) }
    func notifications(_ bucket: String) async throws -> [BucketNotification] { try await call(bucket, []) }
    func setNotifications(_ bucket: String, _ notifications: [BucketNotification]) async throws { try await call(bucket, ()) }
    func countObjects(_ bucket: String, limit: Int) async throws -> Int { try await call(bucket, 0) }
    func objectVersions(_ bucket: String, keyMarker: String?, versionMarker: String?) async throws -> ObjectVersionPage {
        try await call(bucket, ObjectVersionPage(objects: [], nextKeyMarker: nil, nextVersionMarker: nil))
    }
    func deleteObjects(_ bucket: String, _ objects: [ObjectVersionReference]) async throws { try await call(bucket, ()) }
}
