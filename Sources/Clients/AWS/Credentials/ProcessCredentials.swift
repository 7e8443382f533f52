import Foundation

/// `credential_process`: a profile names a command whose standard output is a JSON document
/// (`Version: 1`, `AccessKeyId`, `SecretAccessKey`, optional `SessionToken` and `Expiration`).
/// The command line is split like a POSIX shell would split it, but no shell runs it (as in the AWS CLI).
enum ProcessCredentials {
    static func resolve(commandLine: String, profile: String, environment: [String: String]) async throws -> ResolvedCredentials {
        let source = "credential_process of profile \(profile)"
        let hint = "run the command yourself to see what it prints; it must write a Version 1 JSON document to standard output"
        let words = try split(commandLine, source: source)
        guard !words.isEmpty else {
            throw CredentialsError.sourceFailed(source: source, reason: "the command is empty", hint: hint)
        }
        let (status, output, errors) = try await run(words, environment: environment, source: source)
        guard status == 0 else {
            let message = String(decoding: errors.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw CredentialsError.sourceFailed(
                source: source, reason: "`\(words[0])` exited with status \(status)" + (message.isEmpty ? "" : ": \(message)"),
                hint: hint)
        }
        if let document = try? JSONDecoder().decode(CredentialsDocument.self, from: output), document.Version != 1 {
            throw CredentialsError.sourceFailed(
                source: source, reason: document.Version.map { "unsupported Version \($0) (only 1 is defined)" } ?? "the output has no \"Version\": 1",
                hint: hint)
        }
        return try CredentialsDocument.credentials(from: output, source: source, hint: hint)
    }

    /// Words as `sh` splits them: blanks separate, '…' is literal, "…" and a bare backslash escape.
    static func split(_ line: String, source: String) throws -> [String] {
        var words: [String] = [], current = "", inWord = false
        var quote: Character?, escaping = false
        for ch in line {
            if escaping {
                current.append(ch); escaping = false; inWord = true
            } else if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escaping = true } else { current.append(ch) }
            } else if ch == "'" || ch == "\"" {
                quote = ch; inWord = true
            } else if ch == "\\" {
                escaping = true
            } else if ch == " " || ch == "\t" || ch == "\n" {
                if inWord { words.append(current); current = ""; inWord = false }
            } else {
                current.append(ch); inWord = true
            }
        }
        guard quote == nil, !escaping else {
            throw CredentialsError.sourceFailed(source: source, reason: "the command line has an unclosed quote",
                                                hint: "check the quotes of credential_process in the config file")
        }
        if inWord { words.append(current) }
        return words
    }

    /// Runs the command (found on PATH by `env`), reading both outputs to the end before waiting.
    static func run(_ words: [String], environment: [String: String], source: String) async throws -> (Int32, Data, Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = words
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw CredentialsError.sourceFailed(source: source, reason: "cannot start `\(words[0])`: \(error.localizedDescription)",
                                                hint: "check the command's path in credential_process")
        }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let errorData = CollectedOutput()
                let group = DispatchGroup()
                DispatchQueue.global().async(group: group) { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
                let outputData = output.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, outputData, errorData.data))
            }
        }
    }
}

/// Standard error, read on another thread so that neither pipe fills up and blocks the command.
private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var value = Data()
    func set(_ data: Data) { lock.withLock { value = data } }
    var data: Data { lock.withLock { value } }
}
