import Foundation

/// Runs the real `infra` binary, as users do, and captures what it prints and how it exits.
public struct CLIResult {
    public var stdout: String
    public var stderr: String
    public var exitCode: Int32
}

public enum CLI {
    /// The built `infra` next to the test bundle (.build/debug).
    public static var binary: String {
        let bundle = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL
            ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("infra").path
    }

    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @discardableResult
    public static func run(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> CLIResult {
        try run(executable: binary, arguments, in: directory, environment: environment)
    }

    /// Any program, run the same way: NO_COLOR, no standard input, both pipes drained. `environment` values of ""
    /// remove the variable.
    public static func run(executable: String, _ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> CLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v.isEmpty ? nil : v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain stderr concurrently: a child that fills one pipe while we wait on the other would hang.
        nonisolated(unsafe) var errData = Data()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); drained.signal() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return CLIResult(stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
                         exitCode: process.terminationStatus)
    }

    /// Starts infra in the background (no colour, no input); its standard output goes to `output`, or nowhere.
    public static func start(_ arguments: [String], in directory: String, output: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(["NO_COLOR": "1"]) { $1 }
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Reads `pipe` until what was read satisfies `done` or the output ends; returns what was read.
    @discardableResult
    public static func read(_ pipe: Pipe, until done: (String) -> Bool) -> String {
        var seen = ""
        while !done(seen) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        return seen
    }

    /// Runs infra on a pseudo-terminal, as a person at a terminal would, answering its prompt with `answer` when
    /// one appears. Returns the exit code and everything it printed (stdout and stderr share the terminal).
    public static func runInTerminal(_ arguments: [String], in directory: String, answer: String? = nil,
                                     environment: [String: String] = [:]) throws -> (exitCode: Int32, output: String) {
        let script = """
            import os, pty, sys
            argv, answer = sys.argv[2:], os.environ.get('INFRA_TEST_ANSWER')
            pid, fd = pty.fork()
            if pid == 0:
                os.chdir(sys.argv[1])
                os.execv(argv[0], argv)
            out, answered = b'', False
            try:
                while True:
                    chunk = os.read(fd, 4096)
                    if not chunk: break
                    out += chunk
                    if answer is not None and not answered and b'Enter a value' in out:
                        os.write(fd, answer.encode() + b'\\n')
                        answered = True
            except OSError:
                pass
            _, status = os.waitpid(pid, 0)
            sys.stdout.write(str(os.waitstatus_to_exitcode(status)) + '\\n' + out.decode(errors='replace'))
            """
        var env = environment
        if let answer { env["INFRA_TEST_ANSWER"] = answer }
        let result = try run(executable: "/usr/bin/env", ["python3", "-c", script, directory, binary] + arguments, in: directory, environment: env)
        let lines = result.stdout.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        return (Int32(lines.first.map(String.init) ?? "") ?? -1, lines.count > 1 ? String(lines[1]).replacingOccurrences(of: "\r\n", with: "\n") : "")
    }

    /// A fresh project folder with the given files.
    public static func project(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("infra-test-\(UUID().uuidString)").path
        for (path, content) in files {
            let full = "\(dir)/\(path)"
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try content.write(toFile: full, atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(atPath: "\(dir)/stacks", withIntermediateDirectories: true)
        if files.keys.first(where: { $0.hasPrefix("environments/") }) == nil {
            try FileManager.default.createDirectory(atPath: "\(dir)/environments", withIntermediateDirectories: true)
            try "name: dev\n".write(toFile: "\(dir)/environments/dev.yaml", atomically: true, encoding: .utf8)
        }
        return dir
    }
}
