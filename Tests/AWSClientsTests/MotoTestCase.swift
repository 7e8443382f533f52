import AWSClients
import Foundation
import SigV4
import XCTest

/// Starts one moto server per test class and gives each test clients pointed at it.
/// Plain moto accepts any credentials.
class MotoTestCase: XCTestCase {
    nonisolated(unsafe) static var server: MotoServer?
    nonisolated(unsafe) static var startError: Error?

    override class func setUp() {
        super.setUp()
        do {
            server = try MotoServer.start()
        } catch {
            startError = error
        }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    var configuration: AWSClientConfiguration!

    /// XCTest runs the async `setUp` before `setUpWithError`, so subclasses build on this one.
    override func setUp() async throws {
        try await super.setUp()
        if let error = Self.startError { throw error }
        let server = try XCTUnwrap(Self.server, "moto did not start")
        configuration = AWSClientConfiguration(
            credentials: SigningCredentials(accessKeyId: "AKIDMOTOTEST", secretAccessKey: "moto-secret"),
            region: "eu-west-1", endpointURL: server.url, timeout: 10)
    }

    /// A name no other test in the run uses.
    func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}
