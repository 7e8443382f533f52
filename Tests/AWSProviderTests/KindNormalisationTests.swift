import Foundation
import InfraEngine
import XCTest
@testable import AWSProvider

/// What the stack says and what AWS reports must compare equal when they mean the same: no perpetual diffs.
final class KindNormalisationTests: XCTestCase {
    struct Unused: Error {}
    let bucket = BucketKind(defaultRegion: "us-east-1") { throw Unused() }
    let role = RoleKind { throw Unused() }

    func testRoleARNsNameTheRegionsPartition() {
        func arn(_ region: String) -> Value? {
            role.plannedAttributes(["name": "loader", "path": "/"],
                                   context: PlanningContext(environment: .map(["aws": .map(["account_id": "123456789012", "region": .string(region)])])))["arn"]
        }
        XCTAssertEqual(arn("eu-west-1"), "arn:aws:iam::123456789012:role/loader")
        XCTAssertEqual(arn("cn-north-1"), "arn:aws-cn:iam::123456789012:role/loader")
        XCTAssertEqual(arn("us-gov-west-1"), "arn:aws-us-gov:iam::123456789012:role/loader")
    }

    func testBucketShorthandsEqualWhatS3Reports() {
        XCTAssertEqual(bucket.normalize("AES256", property: "encryption"),
                       BucketKind.encryptionValue(BucketEncryption(algorithm: "AES256")))
        XCTAssertEqual(bucket.normalize(.map(["algorithm": "aws:kms", "kms_key_id": "k", "bucket_key": true]), property: "encryption"),
                       BucketKind.encryptionValue(BucketEncryption(algorithm: "aws:kms", kmsKeyID: "k", bucketKeyEnabled: true)))
        XCTAssertEqual(bucket.normalize("blocked", property: "public_access"), BucketKind.publicAccessValue(.allBlocked))
        XCTAssertEqual(bucket.normalize(.map(["block_public_acls": true]), property: "public_access"), "blocked",
                       "flags left out default to blocked")
        XCTAssertEqual(BucketKind.publicAccessValue(nil), "open", "no configuration blocks nothing")
        XCTAssertEqual(bucket.normalize(.null, property: "region"), "us-east-1")
    }

    func testLifecycleRulesGetStableIdsAndSortedTransitions() {
        let declared: Value = .list([
            .map(["prefix": "raw/", "expire_days": 90]),
            .map(["id": "archive", "transitions": .list([.map(["days": 60, "storage_class": "glacier"]), .map(["days": 30, "storage_class": "standard_ia"])])]),
        ])
        let live = BucketKind.lifecycle(declared)
        XCTAssertEqual(live.map(\.id), ["rule-1", "archive"])
        XCTAssertEqual(live[1].transitions.map(\.days), [30, 60])
        XCTAssertEqual(bucket.normalize(declared, property: "lifecycle_rules"), .list(live.map(BucketKind.lifecycleValue)))
    }

    func testNotificationsCompareWithoutS3sIdsAndInAnyOrder() {
        let declared: Value = .list([
            .map(["queue": "arn:aws:sqs:us-east-1:000000000000:pipe", "prefix": "raw/"]),
            .map(["topic": "arn:aws:sns:us-east-1:000000000000:t", "events": .list(["s3:ObjectRemoved:*", "s3:ObjectCreated:Put"])]),
        ])
        let reported = [
            BucketNotification(id: "generated-by-s3", target: .topic, arn: "arn:aws:sns:us-east-1:000000000000:t",
                               events: ["s3:ObjectCreated:Put", "s3:ObjectRemoved:*"], prefix: nil, suffix: ""),
            BucketNotification(id: "x", target: .queue, arn: "arn:aws:sqs:us-east-1:000000000000:pipe", events: ["s3:ObjectCreated:*"],
                               prefix: "raw/", suffix: nil),
        ]
        XCTAssertEqual(bucket.normalize(declared, property: "notifications"),
                       .list(reported.map(BucketKind.notificationValue).sorted { $0.canonicalJSON < $1.canonicalJSON }))
    }

    func testBucketPolicyAsTextOrObjectIsTheSameDocument() {
        let text = #"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#
        let object: Value = .map(["Statement": .list([.map(["Effect": "Allow", "Principal": "*", "Action": .list(["s3:GetObject"]),
                                                           "Resource": "arn:aws:s3:::b/*"])])])
        XCTAssertEqual(bucket.normalize(.string(text), property: "policy"), bucket.normalize(object, property: "policy"))
    }

    func testRoleTrustShorthandEqualsTheDocumentIAMReturnsEncoded() {
        let trust: Value = .map(["snowflake_integration": .map(["name": "S3_INT", "aws_iam_user_arn": "arn:aws:iam::000000000000:user/sf",
                                                                  "external_id": "LOCAL_SFCRole=2_abc="])])
        let fromIAM = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A000000000000%3Auser%2Fsf%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Condition%22%3A%7B%22StringEquals%22%3A%7B%22sts%3AExternalId%22%3A%22LOCAL_SFCRole%3D2_abc%3D%22%7D%7D%7D%5D%7D"
        XCTAssertEqual(role.normalize(trust, property: "trust"), PolicyDocument.canonical(PolicyDocument.parse(fromIAM)!))
        XCTAssertEqual(role.normalize(role.normalize(trust, property: "trust"), property: "trust"), role.normalize(trust, property: "trust"),
                       "normalising twice changes nothing")
    }

    func testRolePolicyShorthandEqualsTheStoredDocument() {
        let shorthand: Value = .list([
            .map(["allow": .list(["s3:GetObject", "s3:GetObjectVersion"]), "on": "arn:aws:s3:::b/raw/*"]),
            .map(["allow": .list(["s3:ListBucket"]), "on": "arn:aws:s3:::b"]),
        ])
        let stored = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::b"]},{"Effect":"Allow","Action":["s3:GetObjectVersion","s3:GetObject"],"Resource":"arn:aws:s3:::b/raw/*"}]}"#
        XCTAssertEqual(role.normalize(shorthand, property: "policy"), PolicyDocument.canonical(PolicyDocument.parse(stored)!))
    }

    func testRoleARNIsKnownAtPlanTime() {
        let context = PlanningContext(environment: .map(["aws": .map(["account_id": "123456789012"])]))
        XCTAssertEqual(role.plannedAttributes(["name": "reader", "path": "/snowflake/"], context: context)["arn"],
                       "arn:aws:iam::123456789012:role/snowflake/reader")
        XCTAssertEqual(role.plannedAttributes(["name": "reader", "path": "/"], context: context)["arn"], "arn:aws:iam::123456789012:role/reader")
        XCTAssertNil(role.plannedAttributes(["name": "reader"], context: PlanningContext(environment: .map([:])))["arn"])
    }
}
