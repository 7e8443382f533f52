import Foundation
import InfraEngine
import XCTest
@testable import AWSProvider

/// The connection hands every new client credentials from a refreshing source: a `credential_process`
/// whose credentials are inside the 5-minute window is asked again, long-term keys are not.
final class ConnectionCredentialsTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("aws-connection-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(at: folder) }

    func connection(expiringIn seconds: Int) throws -> (AWSConnection, String) {
        let counter = folder.appendingPathComponent("runs").path
        let expiry = ISO8601DateFormatter().string(from: Date().addingTimeInterval(TimeInterval(seconds)))
        let script = folder.appendingPathComponent("issue-credentials").path
        try """
            #!/bin/sh
            echo run >> "\(counter)"
            n=$(wc -l < "\(counter)" | tr -d ' ')
            echo "{\\"Version\\": 1, \\"AccessKeyId\\": \\"ASIARUN$n\\", \\"SecretAccessKey\\": \\"s$n\\", \\"SessionToken\\": \\"t$n\\", \\"Expiration\\": \\"\(expiry)\\"}"
            """.write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        let config = folder.appendingPathComponent("config").path
        try "[profile deploy]\ncredential_process = \(script)\nregion = eu-west-1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let settings = AWSConnection.Settings(block: ["profile": .string("deploy"), "config_file": .string(config),
                                                      "endpoint": .string("http://127.0.0.1:9")],
                                              projectRoot: folder.path, origin: "environments/test.yaml")
        let environment = ["HOME": folder.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                           "AWS_EC2_METADATA_DISABLED": "true"]
        return (AWSConnection(settings: settings, environment: environment), counter)
    }

    func runs(_ counter: String) -> Int {
        ((try? String(contentsOfFile: counter, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    func testCredentialsNearExpiryAreFetchedAgainForTheNextClient() async throws {
        let (connection, counter) = try connection(expiringIn: 120)
        let first = try await connection.configuration().credentials.accessKeyId
        let second = try await connection.configuration().credentials.accessKeyId
        XCTAssertEqual([first, second], ["ASIARUN1", "ASIARUN2"])
        XCTAssertEqual(runs(counter), 2)
    }

    func testCredentialsFarFromExpiryAreReused() async throws {
        let (connection, counter) = try connection(expiringIn: 3600)
        for _ in 0..<3 { _ = try await connection.configuration() }
        let last = try await connection.configuration().credentials.accessKeyId
        XCTAssertEqual(last, "ASIARUN1")
        XCTAssertEqual(runs(counter), 1)
    }

    func testAFailingSourceIsNamedWithItsHint() async throws {
        let (connection, _) = try connection(expiringIn: 3600)
        try "[profile deploy]\ncredential_process = /nonexistent/issuer --token hunter2\n"
            .write(toFile: folder.appendingPathComponent("config").path, atomically: true, encoding: .utf8)
        do {
            _ = try await connection.configuration()
            XCTFail("the process does not exist")
        } catch let error as Diagnostic {
            XCTAssertTrue(error.message.hasPrefix("no usable AWS credentials for environments/test.yaml: credential_process of profile deploy:"),
                          error.message)
            XCTAssertTrue(error.hint?.contains("run the command yourself") == true, error.hint ?? "")
            XCTAssertFalse(error.message.contains("hunter2"), error.message)
        }
    }
}
