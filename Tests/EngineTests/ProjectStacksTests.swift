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

    /// docs/kinds.md is what `infra kinds --markdown` prints: a schema change without regenerated docs fails here
    /// (regenerate with `.build/debug/infra kinds --markdown > docs/kinds.md`).
    func testKindsReferenceIsGeneratedFromTheSchemas() throws {
        let root = CLI.packageRoot.path
        let generated = try CLI.run(["kinds", "--markdown"], in: root)
        XCTAssertEqual(generated.exitCode, 0, generated.stderr)
        let committed = try String(contentsOfFile: "\(root)/docs/kinds.md", encoding: .utf8)
        XCTAssertEqual(generated.stdout, committed, "docs/kinds.md differs from `infra kinds --markdown`; regenerate it")
    }
}
