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

        func run() async throws {
            try await reportingErrors {
                let emulator = try LocalEmulator(root: options.root)
                try emulator.launcher(["up"], quiet: true)
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
    let python: String
    var directory: String { "\(root)/.infra/local" }

    init(root: String) throws {
        self.root = root
        python = "\(root)/.venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Diagnostic("the local emulator is not set up in \(root)", at: nil, hint: "run scripts/setup first")
        }
    }

    /// Runs the emulator's launcher; its output goes straight to the user unless quiet.
    func launcher(_ arguments: [String], quiet: Bool) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-m", "infra_emulator"] + arguments + ["--dir", directory]
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = "\(root)/emulator" + (environment["PYTHONPATH"].map { ":\($0)" } ?? "")
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
