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

    /// The `hostile-` cases (an alias bomb, vars that double, 32k errors in one value) are bounded: each
    /// validates within a second (two in a debug build) and 100 MB, measured by /usr/bin/time.
    func testHostileCasesValidateInBoundedTimeAndMemory() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else { throw XCTSkip("needs /usr/bin/time") }
        let root = CLI.packageRoot.appendingPathComponent("Tests/EngineTests/Fixtures/malformed").path
        let cases = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasPrefix("hostile-") }.sorted()
        XCTAssertGreaterThanOrEqual(cases.count, 4)
        #if DEBUG
        let secondsAllowed = 2.0
        #else
        let secondsAllowed = 1.0
        #endif
        for name in cases {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
            process.arguments = ["-f", "measured %e %M", CLI.binary, "validate", "stacks/stack.yaml", "--env", "dev"]
            process.currentDirectoryURL = URL(fileURLWithPath: "\(root)/\(name)")
            let err = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = err
            try process.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let measured = try XCTUnwrap(text.split(separator: "\n").last { $0.hasPrefix("measured ") }, text)
            let fields = measured.split(separator: " ")
            let seconds = try XCTUnwrap(Double(fields[1])), kilobytes = try XCTUnwrap(Int(fields[2]))
            XCTAssertLessThan(seconds, secondsAllowed, "case \(name) took \(seconds) s")
            XCTAssertLessThan(kilobytes, 100 * 1024, "case \(name) used \(kilobytes) KB")
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

        let flood = CLI.packageRoot.appendingPathComponent("Tests/EngineTests/Fixtures/malformed/hostile-expression-error-flood").path
        let capped = try JSONSerialization.jsonObject(with: Data(try CLI.run(["validate", "stacks/stack.yaml", "--env", "dev", "--json"], in: flood).stdout.utf8)) as! [String: Any]
        XCTAssertEqual((capped["errors"] as! [Any]).count, 100)
        XCTAssertEqual(capped["errors_not_shown"] as? Int, 32668)
    }
}
