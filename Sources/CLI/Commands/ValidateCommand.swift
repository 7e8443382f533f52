import ArgumentParser
import Foundation
import InfraEngine

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check a stack and environment statically: format, types, references, cycles. No network.")

    @OptionGroup var deployment: DeploymentOptions
    @Flag(name: .long, help: "Print the result as JSON.") var json = false

    func run() async throws {
        do {
            let session = try Session.load(deployment)
            try session.resolveStatically()
            let pipelines = session.stack.pipelines.keys.sorted()
            if json {
                let result: Value = ["valid": true, "stack": .string(session.stack.name), "environment": .string(session.environment.name),
                                     "resources": .int(session.stack.resources.count), "pipelines": .list(pipelines.map(Value.string)),
                                     "revision": .string(session.stack.revision)]
                Terminal.out(result.canonicalJSON)
            } else {
                Terminal.out("Stack \(session.stack.name) is valid for environment \(session.environment.name): "
                    + "\(session.stack.resources.count) resources, \(pipelines.count) pipelines\(pipelines.isEmpty ? "" : " (\(pipelines.joined(separator: ", ")))").")
            }
        } catch {
            if json {
                let diagnostics = (error as? DiagnosticList)?.diagnostics ?? [(error as? Diagnostic) ?? Diagnostic("\(error)", at: nil)]
                let items: [Value] = diagnostics.map { d in
                    var m: [String: Value] = ["message": .string(d.message)]
                    if let l = d.location { m["file"] = .string(l.file); m["line"] = .int(l.line); m["column"] = .int(l.column) }
                    if let h = d.hint { m["hint"] = .string(h) }
                    return .map(m)
                }
                var result: [String: Value] = ["valid": false, "errors": .list(items)]
                if let omitted = (error as? DiagnosticList)?.omitted, omitted > 0 { result["errors_not_shown"] = .int(omitted) }
                Terminal.out(Value.map(result).canonicalJSON)
                throw ExitCode(1)
            }
            try await reportingErrors { throw error }
        }
    }
}
