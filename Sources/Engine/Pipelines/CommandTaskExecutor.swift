import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `command`: a local process such as `dbt run`, with the environment's connection passed in as variables.
/// A timeout or interruption kills the whole process group, so no child is left behind.
public struct CommandTaskExecutor: TaskExecutor {
    public var baseEnvironment: [String: String]
    public var workingDirectory: String

    public init(baseEnvironment: [String: String], workingDirectory: String) {
        self.baseEnvironment = baseEnvironment
        self.workingDirectory = workingDirectory
    }

    public func run(_ task: ResolvedTask) async throws -> TaskOutput {
        var commandLine: String
        var directory = workingDirectory
        var environment = ProcessInfo.processInfo.environment.merging(baseEnvironment) { $1 }
        switch task.body {
        case .string(let s): commandLine = s
        case .map(let m):
            guard let run = m["run"]?.stringValue else { throw TaskFailure("command needs `run`") }
            commandLine = run
            if let cwd = m["cwd"]?.stringValue { directory = cwd.hasPrefix("/") ? cwd : "\(workingDirectory)/\(cwd)" }
            for (k, v) in m["env"]?.mapValue ?? [:] { environment[k] = v.interpolationText }
        default: throw TaskFailure("command must be a string or {run, cwd, env}")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", commandLine]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let collected = OutputCollector()
        output.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        try process.run()
        let pid = process.processIdentifier
        // Foundation starts the child as its own process-group leader; make sure, so a kill reaches every child.
        if getpgid(pid) != pid { setpgid(pid, pid) }
        let status: Int32 = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    process.waitUntilExit()
                    continuation.resume(returning: process.terminationStatus)
                }
            }
        } onCancel: {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        output.fileHandleForReading.readabilityHandler = nil
        collected.append(output.fileHandleForReading.readDataToEndOfFile())
        try Task.checkCancellation()
        let text = collected.text
        let expected = task.expect?.mapValue?["exit_code"]?.intValue ?? 0
        if Int(status) != expected {
            let tail = text.split(separator: "\n").suffix(5).joined(separator: "\n")
            throw TaskFailure("exited with \(status)\(tail.isEmpty ? "" : ": \(tail)")")
        }
        let lastLine = text.split(separator: "\n").last.map(String.init) ?? ""
        return TaskOutput(summary: lastLine.isEmpty ? "exit \(status)" : lastLine,
                          values: ["exit_code": .int(Int(status)), "output": .string(text)])
    }
}

final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ chunk: Data) { lock.lock(); data.append(chunk); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}
