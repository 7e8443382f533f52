import Foundation
import TestSupport
import XCTest

/// Every stack the project ships validates against every environment it ships.
final class ProjectStacksTests: XCTestCase {
    func testEveryStackValidatesInEveryEnvironment() throws {
        let root = CLI.packageRoot.path
        let stacks = try FileManager.default.contentsOfDirectory(atPath: "\(root)/stacks").filter { $0.hasSuffix(".yaml") }.sorted()
        let environments = try FileManager.default.contentsOfDirectory(atPath: "\(root)/environments").filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertFalse(stacks.isEmpty)
        XCTAssertEqual(environments, ["dev.yaml", "prod.yaml"])
        for stack in stacks {
            for environment in environments {
                let result = try CLI.run(["validate", "stacks/\(stack)", "--env", String(environment.dropLast(5))], in: root)
                XCTAssertEqual(result.exitCode, 0, "\(stack) in \(environment): \(result.stderr)")
                XCTAssertTrue(result.stdout.hasPrefix("Stack "), result.stdout)
            }
        }
    }
}
