import AWSClients
import XCTest

/// AWS's own endpoints outside the `aws` partition: China and GovCloud have their own DNS suffix and IAM endpoint.
final class PartitionEndpointTests: XCTestCase {
    func testEachPartitionHasItsOwnIAMEndpointAndSuffix() {
        let china = ServiceEndpoint.aws(service: "iam", region: "cn-northwest-1")
        XCTAssertEqual(china.url.absoluteString, "https://iam.cn-north-1.amazonaws.com.cn")
        XCTAssertEqual(china.signingRegion, "cn-north-1")
        XCTAssertEqual(ServiceEndpoint.aws(service: "s3", region: "cn-north-1").url.absoluteString, "https://s3.cn-north-1.amazonaws.com.cn")

        let gov = ServiceEndpoint.aws(service: "iam", region: "us-gov-east-1")
        XCTAssertEqual(gov.url.absoluteString, "https://iam.us-gov.amazonaws.com")
        XCTAssertEqual(gov.signingRegion, "us-gov-west-1")
        XCTAssertEqual(ServiceEndpoint.aws(service: "sts", region: "us-gov-west-1").url.absoluteString, "https://sts.us-gov-west-1.amazonaws.com")

        let standard = ServiceEndpoint.aws(service: "iam", region: "eu-west-1")
        XCTAssertEqual(standard.url.absoluteString, "https://iam.amazonaws.com")
        XCTAssertEqual(standard.signingRegion, "us-east-1")
        XCTAssertEqual([AWSPartition(region: "cn-north-1").name, AWSPartition(region: "us-gov-west-1").name, AWSPartition(region: "us-east-1").name],
                       ["aws-cn", "aws-us-gov", "aws"])
    }
}
