import Foundation
import SigV4
import XCTest

/// The worked examples of the S3 API reference ("Signature Calculations for the Authorization
/// Header" and "Authenticating Requests: Using Query Parameters"), all for examplebucket on 2013-05-24.
final class S3RulesTests: XCTestCase {
    let signer = SigV4Signer(
        credentials: SigningCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE",
                                        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "s3", rules: .s3)
    let date = SigningDate(timestamp: "20130524T000000Z")!
    let host = HTTPHeader("Host", "examplebucket.s3.amazonaws.com")
    let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    func testGetObjectWithRange() {
        let signed = signer.sign(SigV4Request(method: "GET", path: "/test.txt",
                                              headers: [host, HTTPHeader("Range", "bytes=0-9")]), at: date)
        XCTAssertEqual(signed.canonicalRequest, """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:\(emptyHash)
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            \(emptyHash)
            """)
        XCTAssertEqual(signed.stringToSign, """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        XCTAssertEqual(signed.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        XCTAssertEqual(signed.request.headerValues("x-amz-content-sha256"), [emptyHash])
    }

    func testPutObjectWithPayloadAndEncodedKey() {
        let body = Data("Welcome to Amazon S3.".utf8)
        let signed = signer.sign(SigV4Request(
            method: "PUT", path: "/test$file.text",
            headers: [host, HTTPHeader("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                      HTTPHeader("x-amz-storage-class", "REDUCED_REDUNDANCY")],
            payload: .bytes(body)), at: date)
        let hash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
        XCTAssertEqual(signed.canonicalRequest, """
            PUT
            /test%24file.text

            date:Fri, 24 May 2013 00:00:00 GMT
            host:examplebucket.s3.amazonaws.com
            x-amz-content-sha256:\(hash)
            x-amz-date:20130524T000000Z
            x-amz-storage-class:REDUCED_REDUNDANCY

            date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class
            \(hash)
            """)
        XCTAssertEqual(signed.stringToSign.split(separator: "\n").last,
                       "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d")
        XCTAssertEqual(signed.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
        XCTAssertEqual(signed.authorization,
                       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                       + "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
                       + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    func testGetBucketLifecycle() {
        let signed = signer.sign(SigV4Request(method: "GET", path: "/", query: [QueryParameter("lifecycle")],
                                              headers: [host]), at: date)
        XCTAssertEqual(signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2], "lifecycle=")
        XCTAssertEqual(signed.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    func testListObjects() {
        let signed = signer.sign(SigV4Request(method: "GET", path: "/",
                                              query: [QueryParameter("prefix", "J"), QueryParameter("max-keys", "2")],
                                              headers: [host]), at: date)
        XCTAssertEqual(signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2],
                       "max-keys=2&prefix=J")
        XCTAssertEqual(signed.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    func testPresignedGetObject() {
        let presigned = signer.presign(SigV4Request(method: "GET", path: "/test.txt", headers: [host],
                                                    payload: .unsigned), at: date, expires: 86400)
        XCTAssertEqual(presigned.canonicalRequest, """
            GET
            /test.txt
            X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host
            host:examplebucket.s3.amazonaws.com

            host
            UNSIGNED-PAYLOAD
            """)
        XCTAssertEqual(presigned.signature, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        XCTAssertTrue(presigned.queryString.hasSuffix(
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"))
        XCTAssertTrue(presigned.request.headerValues("Authorization").isEmpty)
    }

    func testPresignedWithSessionTokenSignsTheToken() {
        var tokenSigner = signer
        tokenSigner.credentials.sessionToken = "my-session-token"
        let presigned = tokenSigner.presign(SigV4Request(method: "GET", path: "/test.txt", headers: [host],
                                                         payload: .unsigned), at: date, expires: 86400)
        XCTAssertTrue(presigned.canonicalRequest.contains("&X-Amz-Security-Token=my-session-token&"))
        XCTAssertEqual(presigned.signature, "127498ec2e996f60915eba27520e69b1554fe016da1d36a3dde70f2408551d67")
    }

    func testDotSegmentsAndDoubleSlashesStayInS3Keys() {
        let request = SigV4Request(method: "GET", path: "/bucket/a/../b//c/./d", headers: [host])
        let s3 = signer.sign(request, at: date)
        XCTAssertEqual(s3.canonicalRequest.split(separator: "\n")[1], "/bucket/a/../b//c/./d")
        var generic = signer
        generic.rules = .generic
        XCTAssertEqual(generic.sign(request, at: date).canonicalRequest.split(separator: "\n")[1], "/bucket/b/c/d")
    }

    func testS3SignsEncodedDotsAsTheKeyS3Decodes() {
        // What the client sends for a key `a/../b` to stop URL handling from resolving the dots.
        let request = SigV4Request(method: "GET", path: "/bucket/a/%2E%2E/b%20c", headers: [host])
        XCTAssertEqual(signer.sign(request, at: date).canonicalRequest.split(separator: "\n")[1], "/bucket/a/../b%20c")
    }

    func testGenericRulesEncodeTheSentPathAgain() {
        var generic = signer
        generic.rules = .generic
        let signed = generic.sign(SigV4Request(method: "GET", path: "/a%20b/ሴ", headers: [host]), at: date)
        XCTAssertEqual(signed.canonicalRequest.split(separator: "\n")[1], "/a%2520b/%E1%88%B4")
        XCTAssertTrue(signed.request.headerValues("x-amz-content-sha256").isEmpty)
    }
}
