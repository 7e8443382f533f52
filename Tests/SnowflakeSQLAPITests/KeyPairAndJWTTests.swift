import Crypto
import _CryptoExtras
import Foundation
import XCTest
@testable import SnowflakeSQLAPI

/// Keys come from openssl, as a user makes them following Snowflake's key-pair guide, so the fingerprint and
/// the encrypted-key format are checked against an independent implementation.
final class KeyPairAndJWTTests: XCTestCase {
    nonisolated(unsafe) static var folder: URL!

    override class func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sqlapi-keys-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let dir = folder.path
        shell("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out \(dir)/plain.p8 2>/dev/null")
        shell("openssl pkcs8 -topk8 -v2 aes256 -in \(dir)/plain.p8 -out \(dir)/encrypted.p8 -passout pass:'s3cr3t phrase'")
        shell("openssl pkcs8 -topk8 -v2 aes128 -v2prf hmacWithSHA1 -in \(dir)/plain.p8 -out \(dir)/encrypted-sha1.p8 -passout pass:other")
        shell("openssl rsa -in \(dir)/plain.p8 -traditional -out \(dir)/pkcs1.pem 2>/dev/null")
        shell("openssl rsa -in \(dir)/plain.p8 -pubout -outform DER 2>/dev/null | openssl dgst -sha256 -binary | base64 > \(dir)/fingerprint")
    }

    override class func tearDown() { try? FileManager.default.removeItem(at: folder) }

    @discardableResult
    static func shell(_ command: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        try! p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    func path(_ name: String) -> String { Self.folder.appendingPathComponent(name).path }

    var opensslFingerprint: String {
        "SHA256:" + (try! String(contentsOfFile: path("fingerprint"), encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testFingerprintMatchesOpenSSLForEveryKeyFormat() throws {
        XCTAssertEqual(try SnowflakeKeyPair(file: path("plain.p8")).publicKeyFingerprint, opensslFingerprint)
        XCTAssertEqual(try SnowflakeKeyPair(file: path("pkcs1.pem")).publicKeyFingerprint, opensslFingerprint)
        XCTAssertEqual(try SnowflakeKeyPair(file: path("encrypted.p8"), passphrase: "s3cr3t phrase").publicKeyFingerprint, opensslFingerprint)
        XCTAssertEqual(try SnowflakeKeyPair(file: path("encrypted-sha1.p8"), passphrase: "other").publicKeyFingerprint, opensslFingerprint)
    }

    func testEncryptedKeyNeedsTheRightPassphrase() {
        XCTAssertThrowsError(try SnowflakeKeyPair(file: path("encrypted.p8"))) { XCTAssertEqual($0 as? PrivateKeyError, .passphraseRequired) }
        XCTAssertThrowsError(try SnowflakeKeyPair(file: path("encrypted.p8"), passphrase: "wrong")) {
            XCTAssertEqual($0 as? PrivateKeyError, .wrongPassphrase)
        }
        XCTAssertThrowsError(try SnowflakeKeyPair(pem: "not a key")) { XCTAssertTrue("\($0)".contains("PEM RSA private key")) }
        XCTAssertThrowsError(try SnowflakeKeyPair(file: path("missing.p8"))) { XCTAssertTrue("\($0)".contains("no readable file")) }
    }

    func testTokenClaimsAndSignature() throws {
        let key = try SnowflakeKeyPair(file: path("plain.p8"))
        let issuer = KeyPairJWTIssuer(account: SnowflakeAccount("myorg-analytics"), user: "deployer", keyPair: key,
                                      now: { Date(timeIntervalSince1970: 1_700_000_000) })
        let token = try issuer.token()
        let parts = token.split(separator: ".").map(String.init)
        XCTAssertEqual(parts.count, 3)
        let header = try JSONSerialization.jsonObject(with: base64URLDecode(parts[0])) as! [String: Any]
        let claims = try JSONSerialization.jsonObject(with: base64URLDecode(parts[1])) as! [String: Any]
        XCTAssertEqual(header["alg"] as? String, "RS256")
        XCTAssertEqual(claims["sub"] as? String, "MYORG-ANALYTICS.DEPLOYER")
        XCTAssertEqual(claims["iss"] as? String, "MYORG-ANALYTICS.DEPLOYER.\(opensslFingerprint)")
        XCTAssertEqual(claims["iat"] as? Int, 1_700_000_000)
        XCTAssertEqual(claims["exp"] as? Int, 1_700_000_000 + 3540)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try base64URLDecode(parts[2]))
        XCTAssertTrue(key.privateKey.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8), padding: .insecurePKCS1v1_5))
        XCTAssertFalse(token.contains("="), "JWT segments are unpadded base64url")
    }

    func testTokenIsReusedUntilShortlyBeforeExpiry() throws {
        final class Clock: @unchecked Sendable { var now = Date(timeIntervalSince1970: 1_700_000_000) }
        let clock = Clock()
        let issuer = KeyPairJWTIssuer(account: SnowflakeAccount("LOCAL"), user: "DEPLOYER", keyPair: try SnowflakeKeyPair(file: path("plain.p8")),
                                      lifetime: 3540, renewalMargin: 300, now: { clock.now })
        let first = try issuer.token()
        clock.now += 3000
        XCTAssertEqual(try issuer.token(), first, "540 s left: still good")
        clock.now += 300
        XCTAssertNotEqual(try issuer.token(), first, "240 s left: renewed")
    }

    func testAccountNamesForJWTAndEndpoint() {
        XCTAssertEqual(SnowflakeAccount("xy12345.us-east-2.aws").jwtName, "XY12345")
        XCTAssertEqual(SnowflakeAccount("xy12345").jwtName, "XY12345")
        XCTAssertEqual(SnowflakeAccount("myorg-myaccount").jwtName, "MYORG-MYACCOUNT")
        XCTAssertEqual(SnowflakeAccount("myorg.myaccount").jwtName, "MYORG-MYACCOUNT")
        // Snowflake's JWT generator: cut at the first '.', unless '.global' (then at the first '-').
        XCTAssertEqual(SnowflakeAccount("myorg-acct.privatelink").jwtName, "MYORG-ACCT")
        XCTAssertEqual(SnowflakeAccount("xy12345.us-east-1.privatelink").jwtName, "XY12345")
        XCTAssertEqual(SnowflakeAccount("myacct-abc123.global").jwtName, "MYACCT")
        XCTAssertEqual(SnowflakeAccount("xy12345.eu-west-1").jwtName, "XY12345")
        XCTAssertEqual(SnowflakeAccount("https://myorg-my_account.snowflakecomputing.com/").jwtName, "MYORG-MY_ACCOUNT")
        XCTAssertEqual(SnowflakeAccount("myorg-my_account").defaultEndpoint.absoluteString, "https://myorg-my-account.snowflakecomputing.com")
        XCTAssertEqual(SnowflakeAccount("xy12345.us-east-2.aws").defaultEndpoint.absoluteString, "https://xy12345.us-east-2.aws.snowflakecomputing.com")
    }

    func testDescriptionsNeverShowSecrets() throws {
        let key = try SnowflakeKeyPair(file: path("plain.p8"))
        let pem = try String(contentsOfFile: path("plain.p8"), encoding: .utf8)
        let body = pem.split(separator: "\n")[1]
        for text in ["\(key)", String(reflecting: key), "\(SQLAPIAuthentication.oauth(token: "tok-123"))",
                     "\(SQLAPIAuthentication.programmaticAccessToken("pat-456"))"] {
            XCTAssertFalse(text.contains(body) || text.contains("tok-123") || text.contains("pat-456"), text)
        }
    }

    func testRetryDecisions() {
        let policy = RetryPolicy(maxAttempts: 4, baseDelay: 0.5, maxDelay: 3)
        let top: (ClosedRange<Double>) -> Double = { $0.upperBound }
        XCTAssertEqual(policy.decide(attempt: 1, failure: .status(429), random: top), .retry(after: 0.5))
        XCTAssertEqual(policy.decide(attempt: 2, failure: .status(503), random: top), .retry(after: 1.0))
        XCTAssertEqual(policy.decide(attempt: 3, failure: .connectionLost, random: top), .retry(after: 2.0))
        XCTAssertEqual(policy.decide(attempt: 4, failure: .status(500), random: top), .giveUp, "attempts are bounded")
        XCTAssertEqual(RetryPolicy(maxAttempts: 10, baseDelay: 0.5, maxDelay: 3).decide(attempt: 8, failure: .timedOut, random: top),
                       .retry(after: 3), "capped")
        XCTAssertEqual(policy.decide(attempt: 1, failure: .status(422), random: top), .giveUp, "a failed statement is final")
        XCTAssertEqual(policy.decide(attempt: 1, failure: .status(401), random: top), .giveUp)
        XCTAssertEqual(policy.decide(attempt: 1, failure: .status(429), random: { $0.lowerBound }), .retry(after: 0), "full jitter reaches zero")
    }

    private func base64URLDecode(_ s: String) throws -> Data {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return try XCTUnwrap(Data(base64Encoded: t))
    }
}
