import Foundation
import XCTest

@testable import AWSProvider
@testable import InfraEngine

final class PolicyDocumentTests: XCTestCase {
    func parse(_ json: String) -> Value { PolicyDocument.parse(json)! }

    func testEqualMeaningsCompareEqual() {
        let written = parse(#"{"Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": "arn:aws:s3:::b"}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::b/p/*"]}]}"#)
        let returned = parse("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22s3%3AGetObject%22%5D%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Ab%2Fp%2F%2A%22%7D%2C%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22s3%3AGetBucketLocation%22%2C%22s3%3AListBucket%22%5D%2C%22Resource%22%3A%5B%22arn%3Aaws%3As3%3A%3A%3Ab%22%5D%7D%5D%7D")
        XCTAssertEqual(PolicyDocument.canonical(written), PolicyDocument.canonical(returned))
        XCTAssertEqual(PolicyDocument.json(written), PolicyDocument.json(returned))
    }

    func testDifferentMeaningsDiffer() {
        let a = parse(#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#)
        let b = parse(#"{"Statement": {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}}"#)
        XCTAssertNotEqual(PolicyDocument.canonical(a), PolicyDocument.canonical(b))
    }

    func testSnowflakeTrustCarriesTheExternalIdCondition() {
        let trust = PolicyDocument.trust(["snowflake_integration": .map([
            "name": "S3_ACCESS", "aws_iam_user_arn": "arn:aws:iam::111122223333:user/snowflake", "external_id": "ABC_SFCRole=1_xyz",
        ])])
        XCTAssertEqual(PolicyDocument.json(trust), #"{"Statement":[{"Action":["sts:AssumeRole"],"Condition":{"StringEquals":{"sts:ExternalId":["ABC_SFCRole=1_xyz"]}},"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/snowflake"]}}],"Version":"2012-10-17"}"#)
        let pending = PolicyDocument.trust(["snowflake_integration": .map(["name": "S3_ACCESS", "aws_iam_user_arn": .unknown, "external_id": .unknown])])
        XCTAssertFalse(pending.isKnown, "before the integration exists the trust is known only after apply")
    }

    func testShorthandPolicy() {
        let policy = PolicyDocument.fromShorthand([
            .map(["allow": ["s3:GetObject", "s3:GetObjectVersion"], "on": "arn:aws:s3:::b/raw/*"]),
            .map(["deny": "s3:DeleteObject", "on": "*"]),
        ])
        XCTAssertEqual(PolicyDocument.json(policy), #"{"Statement":[{"Action":["s3:DeleteObject"],"Effect":"Deny","Resource":["*"]},{"Action":["s3:GetObject","s3:GetObjectVersion"],"Effect":"Allow","Resource":["arn:aws:s3:::b/raw/*"]}],"Version":"2012-10-17"}"#)
    }
}
