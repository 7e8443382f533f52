import Foundation
import TestSupport
import XCTest

/// A user's own project, as a new user makes one: `scripts/install` into a prefix, `infra init` in a folder
/// outside this repository, then the local endpoints and a whole deployment cycle, all with the installed binary
/// and, where this machine allows it, with the Swift toolchain's libraries out of reach.
final class InstallAndInitTests: XCTestCase {
    var scratch: String!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("infra-user-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let scratch { try? FileManager.default.removeItem(atPath: scratch) }
    }

    /// Runs a command, hiding /opt/swift (the toolchain) behind an empty mount when unshare can: a binary that
    /// still needed the toolchain's libswiftCore.so would not even start.
    func run(_ arguments: [String], in directory: String, hideToolchain: Bool) throws -> CLIResult {
        let hidden = ["/usr/bin/unshare", "--mount", "sh", "-c", "mount -t tmpfs none /opt/swift && exec \"$@\"", "sh"]
        let argv = (hideToolchain ? hidden : []) + arguments
        return try CLI.run(executable: argv[0], Array(argv.dropFirst()), in: directory, environment: ["LD_LIBRARY_PATH": ""])
    }

    func canHideToolchain() throws -> Bool {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), FileManager.default.fileExists(atPath: "/opt/swift") else { return false }
        return try run(["/bin/true"], in: scratch, hideToolchain: true).exitCode == 0
    }

    func testInstalledInfraRunsAUsersProjectFromInitToDestroy() throws {
        let prefix = "\(scratch!)/prefix"
        // The binary scripts/setup built (a build here would wait for the lock `swift test` holds on .build).
        let built = CLI.packageRoot.appendingPathComponent(".build/release/infra").path
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: built), "scripts/setup has not built \(built)")
        let install = try run(["\(CLI.packageRoot.path)/scripts/install", "--prefix", prefix, "--binary", built], in: CLI.packageRoot.path, hideToolchain: false)
        XCTAssertEqual(install.exitCode, 0, install.stdout + install.stderr)
        let infra = "\(prefix)/bin/infra"
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(prefix)/share/infra/emulator/infra_emulator/__main__.py"))
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: "\(prefix)/share/infra/venv/bin/python"))

        let ldd = try run(["/usr/bin/ldd", infra], in: scratch, hideToolchain: false)
        XCTAssertFalse(ldd.stdout.contains("libswiftCore"), "the installed binary links the Swift runtime in:\n\(ldd.stdout)")
        let hide = try canHideToolchain()
        let version = try run([infra, "--version"], in: scratch, hideToolchain: hide)
        XCTAssertEqual(version.exitCode, 0, version.stderr)
        XCTAssertEqual(version.stdout, "0.5.0\n")

        // A project of the user's own, outside this repository.
        let step = { (args: [String], folder: String) throws -> CLIResult in
            let r = try self.run([infra] + args, in: folder, hideToolchain: hide)
            XCTAssertEqual(r.exitCode, 0, "infra \(args.joined(separator: " ")):\n\(r.stdout)\n\(r.stderr)")
            return r
        }
        _ = try step(["init", "my-project"], scratch)
        let project = "\(scratch!)/my-project"
        XCTAssertEqual(try String(contentsOfFile: "\(project)/.gitignore", encoding: .utf8).contains(".infra/"), true)
        XCTAssertNotEqual(try run([infra, "init", "my-project"], in: scratch, hideToolchain: false).exitCode, 0, "init never overwrites a project")

        // Free ports, so the test never meets another emulator; the environment file follows them.
        let ports = try (0..<3).map { _ in try LocalEndpoints.freePort() }
        let env = "\(project)/environments/dev.yaml"
        let text = try String(contentsOfFile: env, encoding: .utf8)
            .replacingOccurrences(of: "127.0.0.1:4566", with: "127.0.0.1:\(ports[0])")
            .replacingOccurrences(of: "127.0.0.1:8091", with: "127.0.0.1:\(ports[1])")
        try text.write(toFile: env, atomically: true, encoding: .utf8)
        _ = try step(["local", "up", "--aws-port", "\(ports[0])", "--snowflake-port", "\(ports[1])", "--connector-port", "\(ports[2])"], project)
        defer { _ = try? run([infra, "local", "down"], in: project, hideToolchain: false) }

        _ = try step(["validate", "landing", "--env", "dev"], project)
        let plan = try run([infra, "plan", "landing", "--env", "dev", "--detailed-exitcode"], in: project, hideToolchain: hide)
        XCTAssertEqual(plan.exitCode, 2, plan.stdout + plan.stderr)
        XCTAssertTrue(plan.stdout.contains("Plan: 8 to add, 0 to change, 0 to destroy."), plan.stdout)
        _ = try step(["apply", "landing", "--env", "dev", "--auto-approve"], project)
        XCTAssertEqual(try run([infra, "plan", "landing", "--env", "dev", "--detailed-exitcode"], in: project, hideToolchain: hide).exitCode, 0)
        let verify = try step(["verify", "landing", "--env", "dev"], project)
        XCTAssertTrue(verify.stdout.contains("Pipeline verify passed"), verify.stdout)
        let destroy = try step(["destroy", "landing", "--env", "dev", "--auto-approve", "--allow-data-loss"], project)
        XCTAssertTrue(destroy.stdout.contains("Destroy complete!"), destroy.stdout)
        XCTAssertTrue(try step(["state", "list", "landing", "--env", "dev"], project).stdout.isEmpty)
    }
}
