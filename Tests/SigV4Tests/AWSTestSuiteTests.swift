import Foundation
import SigV4
import XCTest

/// Every case of AWS's SigV4 test suite, kept in Fixtures/aws-sigv4-suite with its LICENSE and NOTICE (Apache-2.0).
final class AWSTestSuiteTests: XCTestCase {
    static let suiteRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/aws-sigv4-suite")

    static let credentials = SigningCredentials(
        accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    /// Case folders are those holding a `NAME.req` named after the folder.
    static func caseDirectories() throws -> [URL] {
        let enumerator = FileManager.default.enumerator(at: suiteRoot, includingPropertiesForKeys: nil)
        var cases: [URL] = []
        while let url = enumerator?.nextObject() as? URL {
            if url.pathExtension == "req", url.deletingPathExtension().lastPathComponent
                == url.deletingLastPathComponent().lastPathComponent {
                cases.append(url.deletingLastPathComponent())
            }
        }
        return cases.sorted { $0.path < $1.path }
    }

    func testSuiteIsPresentWithAllCases() throws {
        XCTAssertTrue(FileManager.default.fileExists(atPath: Self.suiteRoot.path), "missing \(Self.suiteRoot.path)")
        XCTAssertEqual(try Self.caseDirectories().count, 34)
    }

    func testEveryCase() throws {
        let cases = try Self.caseDirectories()
        XCTAssertFalse(cases.isEmpty)
        for directory in cases {
            try check(directory)
        }
    }

    private func check(_ directory: URL) throws {
        let name = directory.lastPathComponent
        func file(_ ext: String) throws -> String {
            try String(contentsOf: directory.appendingPathComponent("\(name).\(ext)"), encoding: .utf8)
        }
        let raw = try RawHTTPRequest(parsing: try file("req"))
        let signedRaw = try RawHTTPRequest(parsing: try file("sreq"))
        // The session-token cases carry the token in .sreq (the request as sent); the suite's
        // README says "after" adds it once the signature is computed.
        let token = signedRaw.headers.first { $0.name.lowercased() == "x-amz-security-token" }?.value
        var rules = SigningRules.generic
        if name == "post-sts-header-after" { rules.sessionToken = .addedAfterSigning }
        var credentials = Self.credentials
        credentials.sessionToken = token
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service", rules: rules)
        let dateHeader = raw.headers.first { $0.name.lowercased() == "x-amz-date" }?.value ?? ""
        let date = try XCTUnwrap(SigningDate(timestamp: dateHeader), name)

        let signed = signer.sign(SigV4Request(method: raw.method, path: raw.path, query: raw.query,
                                              headers: raw.headers, payload: .bytes(raw.body)), at: date)
        XCTAssertEqual(signed.canonicalRequest, try file("creq"), "\(name): canonical request")
        XCTAssertEqual(signed.stringToSign, try file("sts"), "\(name): string to sign")
        XCTAssertEqual(signed.authorization, try file("authz"), "\(name): authorization")
        XCTAssertEqual(signed.request.headerValues("X-Amz-Security-Token"), token.map { [$0] } ?? [],
                       "\(name): session token header")
        XCTAssertEqual(signed.request.headerValues("Authorization"), [try file("authz")], "\(name): signed request")
    }
}
