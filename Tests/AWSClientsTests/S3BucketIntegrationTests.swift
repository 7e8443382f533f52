@testable import AWSClients
import Foundation
import SigV4
import XCTest

final class S3BucketIntegrationTests: MotoTestCase {
    var s3: S3Client!

    override func setUp() async throws {
        try await super.setUp()
        s3 = S3Client(configuration: configuration)
    }

    func testBucketLifecycleCreateHeadListDelete() async throws {
        let bucket = uniqueName("life")
        let absent = try await s3.headBucket(bucket)
        XCTAssertNil(absent)
        try await s3.createBucket(bucket)
        let region = try await s3.headBucket(bucket)
        XCTAssertEqual(region, "eu-west-1")
        let names = try await s3.listBuckets().map(\.name)
        XCTAssertTrue(names.contains(bucket))
        do {
            try await s3.createBucket(bucket, region: "eu-west-1")
            XCTFail("a second create should fail")
        } catch let error as AWSError {
            XCTAssertEqual(error.service, "s3")
            XCTAssertEqual(error.status, 409)
            XCTAssertEqual(error.code, "BucketAlreadyOwnedByYou")
        }
        try await s3.deleteBucket(bucket)
        let gone = try await s3.headBucket(bucket)
        XCTAssertNil(gone)
    }

    func testUnconfiguredSubresourcesAreNil() async throws {
        let bucket = uniqueName("bare")
        try await s3.createBucket(bucket)
        let versioning = try await s3.getBucketVersioning(bucket)
        XCTAssertEqual(versioning, BucketVersioning(status: nil))
        let encryption = try await s3.getBucketEncryption(bucket)
        // moto applies SSE-S3 by default, as AWS has since 2023; either answer is "not ours".
        XCTAssertTrue(encryption == nil || encryption == BucketEncryption(algorithm: .aes256))
        let publicAccess = try await s3.getPublicAccessBlock(bucket)
        XCTAssertNil(publicAccess)
        let lifecycle = try await s3.getBucketLifecycleConfiguration(bucket)
        XCTAssertNil(lifecycle)
        let tags = try await s3.getBucketTagging(bucket)
        XCTAssertNil(tags)
        let policy = try await s3.getBucketPolicy(bucket)
        XCTAssertNil(policy)
        let notification = try await s3.getBucketNotificationConfiguration(bucket)
        XCTAssertTrue(notification.isEmpty)
    }

    func testWholeConfigurationRoundTrip() async throws {
        let bucket = uniqueName("config")
        try await s3.createBucket(bucket)

        try await s3.putBucketVersioning(bucket, status: .enabled)
        let versioning = try await s3.getBucketVersioning(bucket)
        XCTAssertEqual(versioning.status, .enabled)

        let kms = BucketEncryption(algorithm: .kms, kmsMasterKeyId: "arn:aws:kms:eu-west-1:123456789012:key/abc",
                                   bucketKeyEnabled: true)
        try await s3.putBucketEncryption(bucket, kms)
        let encryption = try await s3.getBucketEncryption(bucket)
        XCTAssertEqual(encryption, kms)
        try await s3.putBucketEncryption(bucket, BucketEncryption(algorithm: .aes256))
        let aes = try await s3.getBucketEncryption(bucket)
        XCTAssertEqual(aes?.algorithm, .aes256)

        let block = PublicAccessBlock(blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: true,
                                      restrictPublicBuckets: false)
        try await s3.putPublicAccessBlock(bucket, block)
        let readBlock = try await s3.getPublicAccessBlock(bucket)
        XCTAssertEqual(readBlock, block)

        let rules = [
            LifecycleRule(id: "expire-raw", filter: .prefix("raw/"), expiration: .days(30),
                          noncurrentVersionExpiration: .init(days: 7), abortIncompleteMultipartUploadDays: 2),
            LifecycleRule(id: "archive <&> tagged", enabled: false, filter: .and(prefix: "logs/", tags: [S3Tag("tier", "cold")]),
                          transitions: [.init(days: 60, storageClass: "GLACIER")]),
        ]
        try await s3.putBucketLifecycleConfiguration(bucket, rules: rules)
        let readRules = try await s3.getBucketLifecycleConfiguration(bucket)
        XCTAssertEqual(readRules, rules)

        let tags = [S3Tag("team", "data & analytics"), S3Tag("env", "<test>")]
        try await s3.putBucketTagging(bucket, tags: tags)
        let readTags = try await s3.getBucketTagging(bucket)
        XCTAssertEqual(Set(readTags ?? []), Set(tags))

        let policy = """
            {"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecure","Effect":"Deny","Principal":"*",\
            "Action":"s3:*","Resource":"arn:aws:s3:::\(bucket)/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}
            """
        try await s3.putBucketPolicy(bucket, policy: policy)
        let readPolicy = try await s3.getBucketPolicy(bucket)
        XCTAssertEqual(try jsonObject(readPolicy), try jsonObject(policy))

        let queueArn = try await createQueue(uniqueName("events"))
        let notification = NotificationConfiguration(queues: [
            NotificationTarget(id: "new-files", arn: queueArn, events: ["s3:ObjectCreated:*"],
                               filterRules: [.prefix("incoming/"), .suffix(".json")]),
        ])
        try await s3.putBucketNotificationConfiguration(bucket, notification)
        let readNotification = try await s3.getBucketNotificationConfiguration(bucket)
        XCTAssertEqual(readNotification, notification)

        // Removing each configuration brings back the "not configured" nil.
        try await s3.deleteBucketEncryption(bucket)
        try await s3.deletePublicAccessBlock(bucket)
        try await s3.deleteBucketLifecycle(bucket)
        try await s3.deleteBucketTagging(bucket)
        try await s3.deleteBucketPolicy(bucket)
        try await s3.putBucketNotificationConfiguration(bucket, NotificationConfiguration())
        try await s3.putBucketVersioning(bucket, status: .suspended)
        let suspended = try await s3.getBucketVersioning(bucket)
        XCTAssertEqual(suspended.status, .suspended)
        let afterPAB = try await s3.getPublicAccessBlock(bucket)
        XCTAssertNil(afterPAB)
        let afterLifecycle = try await s3.getBucketLifecycleConfiguration(bucket)
        XCTAssertNil(afterLifecycle)
        let afterTags = try await s3.getBucketTagging(bucket)
        XCTAssertNil(afterTags)
        let afterPolicy = try await s3.getBucketPolicy(bucket)
        XCTAssertNil(afterPolicy)
        let afterNotification = try await s3.getBucketNotificationConfiguration(bucket)
        XCTAssertTrue(afterNotification.isEmpty)

        XCTAssertEqual(s3.calls.snapshot["s3:GetBucketVersioning"], 2)
        XCTAssertEqual(s3.calls.snapshot["s3:PutBucketNotificationConfiguration"], 2)
        XCTAssertEqual(s3.calls.snapshot["s3:CreateBucket"], 1)
    }

    /// SQS through its query API with a signed request of our own (moto speaks it).
    func createQueue(_ name: String) async throws -> String {
        let endpoint = configuration.endpoint(for: "sqs")
        let sqs = QueryProtocolClient(
            executor: RequestExecutor(service: "sqs", endpoint: endpoint, rules: .generic,
                                      configuration: configuration, counter: CallCounter()),
            version: "2012-11-05")
        let result = try await sqs.call("CreateQueue", [("QueueName", name)])
        XCTAssertNotNil(result.value("QueueUrl"))
        let attributes = try await sqs.call("GetQueueAttributes", [
            ("QueueUrl", result.value("QueueUrl")), ("AttributeName.1", "QueueArn"),
        ])
        let arn = attributes.children("Attribute").first { $0.value("Name") == "QueueArn" }?.value("Value")
        return try XCTUnwrap(arn)
    }

    func jsonObject(_ text: String?) throws -> NSDictionary {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(XCTUnwrap(text).utf8)) as? NSDictionary)
    }
}
