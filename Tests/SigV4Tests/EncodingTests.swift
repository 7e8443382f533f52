import Foundation
import SigV4
import XCTest

final class EncodingTests: XCTestCase {
    func testOnlyUnreservedCharactersStay() {
        XCTAssertEqual(URIEncoding.encode("A-z_0.9~"), "A-z_0.9~")
        XCTAssertEqual(URIEncoding.encode("a b+c=d&e/f*"), "a%20b%2Bc%3Dd%26e%2Ff%2A")
        XCTAssertEqual(URIEncoding.encode("a/b c", keepingSlash: true), "a/b%20c")
        XCTAssertEqual(URIEncoding.encode("ключ"), "%D0%BA%D0%BB%D1%8E%D1%87")
    }

    func testDecodingKeepsPlusAndMalformedEscapes() {
        XCTAssertEqual(URIEncoding.decode("a%20b+c%2B%zz%4"), "a b+c+%zz%4")
        XCTAssertEqual(URIEncoding.decode("%E1%88%B4"), "ሴ")
    }

    func testQuerySortsByKeyThenValueAndKeepsEmptyValues() {
        let signer = SigV4Signer(credentials: SigningCredentials(accessKeyId: "a", secretAccessKey: "b"),
                                 region: "r", service: "s")
        let signed = signer.sign(SigV4Request(method: "GET", path: "/", query: [
            QueryParameter("b", "2"), QueryParameter("a", "x y"), QueryParameter("a", "+"), QueryParameter("c"),
        ], headers: [HTTPHeader("Host", "h")]), at: SigningDate(timestamp: "20150830T123600Z")!)
        XCTAssertEqual(signed.canonicalRequest.split(separator: "\n")[2], "a=%2B&a=x%20y&b=2&c=")
    }

    func testSigningDateFormatsUTC() {
        let date = Date(timeIntervalSince1970: 1_440_938_160)
        XCTAssertEqual(SigningDate(date).timestamp, "20150830T123600Z")
        XCTAssertEqual(SigningDate(date).day, "20150830")
        XCTAssertEqual(SigningDate(timestamp: "20150830T123600Z")?.date, date)
        XCTAssertNil(SigningDate(timestamp: "2015-08-30"))
    }

    func testCredentialsNeverPrintSecrets() {
        let credentials = SigningCredentials(accessKeyId: "AKID", secretAccessKey: "SECRETVALUE", sessionToken: "TOKENVALUE")
        for text in [credentials.description, credentials.debugDescription, "\(credentials)", String(reflecting: credentials)] {
            XCTAssertTrue(text.contains("AKID"))
            XCTAssertFalse(text.contains("SECRETVALUE"), text)
            XCTAssertFalse(text.contains("TOKENVALUE"), text)
        }
        var dumped = ""
        dump(credentials, to: &dumped)
        XCTAssertFalse(dumped.contains("SECRETVALUE") || dumped.contains("TOKENVALUE"), dumped)
    }
}
