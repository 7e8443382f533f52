import ArgumentParser
import Foundation
import InfraEngine

/// The embedded default: a local AWS (moto) and a local Snowflake SQL API emulator, run by the project's
/// Python emulator from its virtual environment. infra starts, stops and reads it; it never reimplements it.
struct LocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local", abstract: "Start, stop or inspect the embedded local AWS and Snowflake endpoints.",
        subcommands: [Up.self, Down.self, Status.self])

    struct Options: ParsableArguments {
        @Option(name: .long, help: "The project folder (default: the current folder).") var project: String?
        var root: String { project ?? FileManager.default.currentDirectoryPath }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start both endpoints in the background (idempotent) and wait until healthy.")
        @OptionGroup var options: Options
        @Flag(name: .long, help: "Print the endpoints as JSON.") var json = false
        @Option(name: .long, help: "The local AWS port (default 4566; environments/dev.yaml names it).") var awsPort: Int?
        @Option(name: .long, help: "The local Snowflake SQL API port (default 8091).") var snowflakePort: Int?
        @Option(name: .long, help: "The local Snowflake connector port, for snowflake-connector-python and snow (default 8092).") var connectorPort: Int?

        func run() async throws {
            try await reportingErrors {
                let emulator = try LocalEmulator(root: options.root)
                var ports: [String] = []
                if let awsPort { ports += ["--aws-port", String(awsPort)] }
                if let snowflakePort { ports += ["--snowflake-port", String(snowflakePort)] }
                if let connectorPort { ports += ["--connector-port", String(connectorPort)] }
                try emulator.launcher(["up"] + ports, quiet: true)
                let status = try emulator.writeCredentialsFile()
                if json { Terminal.out(status.canonicalJSON) } else { Terminal.out(emulator.summary(status)) }
            }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop both endpoints; no process is left behind.")
        @OptionGroup var options: Options

        func run() async throws {
            try await reportingErrors { try LocalEmulator(root: options.root).launcher(["down"], quiet: false) }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show whether the endpoints run, and where.")
        @OptionGroup var options: Options
        @Flag(name: .long, help: "Print the endpoints as JSON (secrets masked).") var json = false

        func run() async throws {
            try await reportingErrors {
                try LocalEmulator(root: options.root).launcher(["status"] + (json ? ["--json"] : []), quiet: false)
            }
        }
    }
}

struct LocalEmulator {
    let root: String
    /// Where the emulator's Python package lives (its parent goes on PYTHONPATH) and the interpreter of its venv.
    let home: EmulatorHome
    var directory: String { "\(root)/.infra/local" }

    init(root: String) throws {
        self.root = root
        home = try EmulatorHome.find(projectRoot: root)
    }
    /// Runs the emulator's launcher; its output goes straight to the user unless quiet.
    func launcher(_ arguments: [String], quiet: Bool) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: home.python)
        process.arguments = ["-m", "infra_emulator"] + arguments + ["--dir", directory]
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = home.packageParent + (environment["PYTHONPATH"].map { ":\($0)" } ?? "")
        process.environment = environment
        if quiet { process.standardOutput = FileHandle.nullDevice }
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Diagnostic("`infra local \(arguments[0])` failed (the emulator exited with \(process.terminationStatus))", at: nil,
                             hint: "see the logs in \(directory)")
        }
    }

    /// The deployer's key as an AWS shared-credentials profile (`infra-local`), so environments name a
    /// profile instead of carrying a secret.
    func writeCredentialsFile() throws -> Value {
        guard let data = FileManager.default.contents(atPath: "\(directory)/status.json"),
              let status = try? JSONDecoder().decode(Value.self, from: data),
              let aws = status.mapValue?["aws"]?.mapValue,
              let key = aws["access_key_id"]?.stringValue, let secret = aws["secret_access_key"]?.stringValue
        else {
            throw Diagnostic("the emulator started but wrote no usable \(directory)/status.json", at: nil, hint: "see the logs in \(directory)")
        }
        let region = aws["region"]?.stringValue ?? "us-east-1"
        let text = "[infra-local]\naws_access_key_id = \(key)\naws_secret_access_key = \(secret)\nregion = \(region)\n"
        try AtomicFile.write(Data(text.utf8), to: "\(directory)/aws-credentials")
        return status
    }

    func summary(_ status: Value) -> String {
        let aws = status.mapValue?["aws"]?.mapValue ?? [:]
        let snowflake = status.mapValue?["snowflake"]?.mapValue ?? [:]
        func s(_ m: [String: Value], _ k: String) -> String { m[k]?.interpolationText ?? "?" }
        return """
            Local endpoints are up:
              AWS        \(s(aws, "endpoint"))  region \(s(aws, "region")), profile infra-local in .infra/local/aws-credentials
              Snowflake  \(s(snowflake, "endpoint"))  account \(s(snowflake, "account")), user \(s(snowflake, "user")), key \(s(snowflake, "private_key_file"))
              Connector  \(s(snowflake, "connector_host")):\(s(snowflake, "connector_port"))  (for snowflake-connector-python and the snow CLI)
            environments/dev.yaml and prod.yaml point at them. Stop them with: infra local down
            """
    }
}

/// The emulator infra runs: the installed copy beside the binary (`PREFIX/share/infra`, made by scripts/install),
/// or a source checkout's (`emulator/` and `.venv`, made by scripts/setup) — the project's own, or the one whose
/// build the running binary is. `INFRA_EMULATOR_HOME` names another installed copy.
struct EmulatorHome {
    let packageParent: String
    let python: String

    static func find(projectRoot: String) throws -> EmulatorHome {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [EmulatorHome] = []
        if let home = environment["INFRA_EMULATOR_HOME"] {
            candidates.append(installed(home))  // named explicitly: the only place looked at
        } else {
            candidates += defaultCandidates(projectRoot: projectRoot)
        }
        let fm = FileManager.default
        if let found = candidates.first(where: { fm.isExecutableFile(atPath: $0.python) && fm.fileExists(atPath: $0.packageParent + "/infra_emulator") }) {
            return found
        }
        throw Diagnostic("the local emulator is not installed: looked in \(candidates.map(\.packageParent).joined(separator: ", "))", at: nil,
                         hint: "install infra with scripts/install (it installs the emulator beside the binary), or run scripts/setup in a checkout")
    }

    static func defaultCandidates(projectRoot: String) -> [EmulatorHome] {
        var candidates: [EmulatorHome] = []
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(installed(executable.deletingLastPathComponent().appendingPathComponent("share/infra").path))
        candidates.append(checkout(projectRoot))
        // A checkout's build: .build/release/infra or .build/<triple>/release/infra.
        var folder = executable
        for _ in 0..<4 {
            folder.deleteLastPathComponent()
            candidates.append(checkout(folder.path))
        }
        return candidates
    }

    static func installed(_ share: String) -> EmulatorHome { EmulatorHome(packageParent: share + "/emulator", python: share + "/venv/bin/python") }
    static func checkout(_ root: String) -> EmulatorHome { EmulatorHome(packageParent: root + "/emulator", python: root + "/.venv/bin/python") }
}
