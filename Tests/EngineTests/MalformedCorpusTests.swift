import Foundation
import TestSupport
import XCTest

/// Every malformed stack and environment in Fixtures/malformed must fail `infra validate` with exactly the
/// message, file, line and column recorded in its expected.txt, and exit code 1.
final class MalformedCorpusTests: XCTestCase {
    func testEveryMalformedCaseReportsItsExactDiagnostic() throws {
        let root = CLI.packageRoot.appendingPathComponent("Tests/EngineTests/Fixtures/malformed").path
        let cases = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        XCTAssertGreaterThanOrEqual(cases.count, 40, "the corpus must keep at least 40 cases")
        for name in cases {
            let directory = "\(root)/\(name)"
            let expected = try String(contentsOfFile: "\(directory)/expected.txt", encoding: .utf8)
            let result = try CLI.run(["validate", "stacks/stack.yaml", "--env", "dev"], in: directory)
            XCTAssertEqual(result.stderr + "exit \(result.exitCode)\n", expected, "case \(name)")
            XCTAssertEqual(result.exitCode, 1, "case \(name)")
            XCTAssertEqual(result.stdout, "", "case \(name) printed to stdout")
        }
    }

    func testValidateJSONListsErrorsWithPositions() throws {
        let directory = CLI.packageRoot.appendingPathComponent("Tests/EngineTests/Fixtures/malformed/resource-unknown-type").path
        let result = try CLI.run(["validate", "stacks/stack.yaml", "--env", "dev", "--json"], in: directory)
        XCTAssertEqual(result.exitCode, 1)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(json["valid"] as? Bool, false)
        let first = (json["errors"] as! [[String: Any]])[0]
        XCTAssertEqual(first["line"] as? Int, 4)
        XCTAssertEqual(first["column"] as? Int, 11)
        XCTAssertEqual(first["message"] as? String, "unknown resource type 'pol'")
        XCTAssertEqual(first["hint"] as? String, "did you mean 'pool'?")
    }
}
