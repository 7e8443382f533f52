@testable import AWSClients
import Foundation
import XCTest

final class AWSErrorTests: XCTestCase {
    func testS3ErrorDocument() {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>\
            <BucketName>nope</BucketName><RequestId>4442587FB7D0A2F9</RequestId><HostId>abc</HostId></Error>
            """
        let error = AWSError.parse(service: "s3", status: 404, body: Data(body.utf8))
        XCTAssertEqual(error, AWSError(service: "s3", status: 404, code: "NoSuchBucket",
                                       message: "The specified bucket does not exist", requestId: "4442587FB7D0A2F9"))
        XCTAssertEqual(error.description, "s3 404 NoSuchBucket: The specified bucket does not exist (request id 4442587FB7D0A2F9)")
    }

    func testQueryAPIErrorResponse() {
        let body = """
            <ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
              <Error>
                <Type>Sender</Type>
                <Code>NoSuchEntity</Code>
                <Message>The role with name loader cannot be found.</Message>
              </Error>
              <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>
            </ErrorResponse>
            """
        let error = AWSError.parse(service: "iam", status: 404, body: Data(body.utf8))
        XCTAssertEqual(error.code, "NoSuchEntity")
        XCTAssertEqual(error.message, "The role with name loader cannot be found.")
        XCTAssertEqual(error.requestId, "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE")
        XCTAssertEqual(error.service, "iam")
        XCTAssertEqual(error.status, 404)
    }

    func testEscapedCharactersInMessages() {
        let body = "<Error><Code>InvalidArgument</Code><Message>a &lt;b&gt; &amp; c</Message></Error>"
        XCTAssertEqual(AWSError.parse(service: "s3", status: 400, body: Data(body.utf8)).message, "a <b> & c")
    }

    func testNonXMLBodiesFallBackToTheStatus() {
        let html = AWSError.parse(service: "s3", status: 502, body: Data("<html><body>Bad Gateway</body>".utf8))
        XCTAssertEqual(html.code, "HTTP502")
        XCTAssertTrue(html.message.contains("Bad Gateway"))
        let empty = AWSError.parse(service: "s3", status: 404, body: Data(), headers: ["x-amz-request-id": "R1"])
        XCTAssertEqual(empty, AWSError(service: "s3", status: 404, code: "NotFound", message: "Not Found", requestId: "R1"))
        let json = AWSError.parse(service: "sts", status: 503, body: Data("{\"message\":\"busy\"}".utf8))
        XCTAssertEqual(json.code, "ServiceUnavailable")
        XCTAssertEqual(json.message, "{\"message\":\"busy\"}")
    }

    func testXMLWithoutCodeIsNotTakenForAnError() {
        let error = AWSError.parse(service: "s3", status: 500, body: Data("<Something><Else/></Something>".utf8))
        XCTAssertEqual(error.code, "InternalError")
    }
}
