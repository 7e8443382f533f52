@testable import AWSClients
import Foundation
import SigV4
import XCTest

final class AddressingTests: XCTestCase {
    func client(endpoint: String? = nil, region: String = "eu-west-1", addressing: S3Addressing = .automatic) -> S3Client {
        S3Client(configuration: AWSClientConfiguration(
            credentials: SigningCredentials(accessKeyId: "a", secretAccessKey: "b"), region: region,
            endpointURL: endpoint.flatMap(URL.init(string:)), s3Addressing: addressing, transport: FakeTransport([])))
    }

    func url(_ client: S3Client, _ bucket: String, _ key: String? = nil) -> String {
        let location = client.location(bucket: bucket, key: key)
        return location.origin.absoluteString + location.path
    }

    func testAWSEndpointsUseVirtualHostsForDNSNames() {
        let aws = client()
        XCTAssertEqual(url(aws, "my-bucket", "a/b.txt"), "https://my-bucket.s3.eu-west-1.amazonaws.com/a/b.txt")
        XCTAssertEqual(url(aws, "my-bucket"), "https://my-bucket.s3.eu-west-1.amazonaws.com/")
        XCTAssertEqual(url(aws, "dotted.bucket", "k"), "https://s3.eu-west-1.amazonaws.com/dotted.bucket/k",
                       "dots would break the TLS wildcard certificate")
        XCTAssertEqual(url(aws, "Upper_Case", "k"), "https://s3.eu-west-1.amazonaws.com/Upper_Case/k")
    }

    func testCustomEndpointsAndIPsUsePathStyle() {
        XCTAssertEqual(url(client(endpoint: "http://127.0.0.1:5000"), "bkt", "k"), "http://127.0.0.1:5000/bkt/k")
        XCTAssertEqual(url(client(endpoint: "http://localhost:4566/"), "bkt", "k"), "http://localhost:4566/bkt/k")
        XCTAssertEqual(url(client(endpoint: "https://proxy.example/s3"), "bkt", "k"), "https://proxy.example/s3/bkt/k")
    }

    func testAddressingCanBeForced() {
        XCTAssertEqual(url(client(addressing: .pathStyle), "bkt", "k"), "https://s3.eu-west-1.amazonaws.com/bkt/k")
        XCTAssertEqual(url(client(endpoint: "http://localhost:4566", addressing: .virtualHosted), "bkt", "k"),
                       "http://bkt.localhost:4566/k")
    }

    func testKeysAreEncodedOnceWithDotSegmentsProtected() {
        XCTAssertEqual(S3KeyPath.encode("a b/ключ+=&"), "a%20b/%D0%BA%D0%BB%D1%8E%D1%87%2B%3D%26")
        XCTAssertEqual(S3KeyPath.encode("x/../y/./z//w"), "x/%2E%2E/y/%2E/z//w")
        XCTAssertEqual(S3KeyPath.encode("..."), "...")
        XCTAssertEqual(S3KeyPath.encode("a..b"), "a..b")
    }

    func testSignedRequestCoversTheLiteralKeyAndHostWithPort() throws {
        let s3 = client(endpoint: "http://127.0.0.1:5000")
        let location = s3.location(bucket: "bkt", key: "x/../y z")
        let request = try s3.executor.signed(OperationRequest(action: "GetObject", method: "GET", origin: location.origin,
                                                               path: location.path))
        XCTAssertEqual(request.url.absoluteString, "http://127.0.0.1:5000/bkt/x/%2E%2E/y%20z")
        XCTAssertEqual(request.header("Host"), "127.0.0.1:5000")
        XCTAssertNotNil(request.header("x-amz-content-sha256"))
        let authorization = try XCTUnwrap(request.header("Authorization"))
        XCTAssertTrue(authorization.contains("/eu-west-1/s3/aws4_request"))
        XCTAssertTrue(authorization.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date"))
    }

    func testDefaultEndpoints() {
        XCTAssertEqual(ServiceEndpoint.aws(service: "s3", region: "eu-west-1").url.absoluteString,
                       "https://s3.eu-west-1.amazonaws.com")
        XCTAssertEqual(ServiceEndpoint.aws(service: "iam", region: "eu-west-1").url.absoluteString, "https://iam.amazonaws.com")
        XCTAssertEqual(ServiceEndpoint.aws(service: "iam", region: "eu-west-1").signingRegion, "us-east-1")
        XCTAssertEqual(ServiceEndpoint.aws(service: "sts", region: "ap-southeast-2").url.absoluteString,
                       "https://sts.ap-southeast-2.amazonaws.com")
        XCTAssertEqual(ServiceEndpoint.aws(service: "s3", region: "eu-west-1").hostHeader(), "s3.eu-west-1.amazonaws.com")
    }
}
