import ArgumentParser
import Foundation
import AWSProvider
import InfraEngine
import SnowflakeProvider

/// Runs a stack's pipelines against what state says is deployed.
struct PipelineSession {
    let session: Session

    /// The executors this build offers, by task kind: one per kind, from a switch with no default, so a new kind
    /// does not compile until the runner (here) and the Airflow export (AirflowTaskTranslator) both handle it.
    func executors() -> [TaskKind: any TaskExecutor] {
        Dictionary(uniqueKeysWithValues: TaskKind.allCases.map { ($0, executor(for: $0)) })
    }

    func executor(for kind: TaskKind) -> any TaskExecutor {
        let sql = session.providers.snowflake
        let aws = session.providers.aws
        switch kind {
        case .command: return CommandTaskExecutor(baseEnvironment: connectionEnvironment(), workingDirectory: session.layout.root)
        case .sql: return SQLTaskExecutor(sql: sql)
        case .copy: return CopyTaskExecutor(sql: sql)
        case .assert: return AssertTaskExecutor(sql: sql)
        case .s3_put: return S3PutTaskExecutor(projectRoot: session.layout.root) { try await aws.s3() }
        case .s3_wait: return S3WaitTaskExecutor { try await aws.s3() }
        case .s3_delete: return S3DeleteTaskExecutor { try await aws.s3() }
        }
    }

    /// The environment's connection as the variables dbt, the AWS CLI and the Snowflake CLI read.
    func connectionEnvironment() -> [String: String] {
        var env: [String: String] = ["INFRA_STACK": session.stack.name, "INFRA_ENVIRONMENT": session.environment.name]
        let root = session.layout.root
        func path(_ p: String) -> String { p.hasPrefix("/") ? p : "\(root)/\(p)" }
        if let aws = session.environment.aws {
            if let v = aws["region"]?.stringValue { env["AWS_REGION"] = v; env["AWS_DEFAULT_REGION"] = v }
            if let v = aws["endpoint"]?.stringValue { env["AWS_ENDPOINT_URL"] = v }
            if let v = aws["profile"]?.stringValue { env["AWS_PROFILE"] = v }
            if let v = aws["credentials_file"]?.stringValue { env["AWS_SHARED_CREDENTIALS_FILE"] = path(v) }
            if let v = aws["config_file"]?.stringValue { env["AWS_CONFIG_FILE"] = path(v) }
        }
        if let sf = session.environment.snowflake {
            if let v = sf["account"]?.stringValue { env["SNOWFLAKE_ACCOUNT"] = v }
            if let v = sf["user"]?.stringValue { env["SNOWFLAKE_USER"] = v }
            if let v = sf["role"]?.stringValue { env["SNOWFLAKE_ROLE"] = v }
            if let v = sf["warehouse"]?.stringValue { env["SNOWFLAKE_WAREHOUSE"] = v }
            if let v = sf["database"]?.stringValue { env["SNOWFLAKE_DATABASE"] = v }
            if let v = sf["private_key_file"]?.stringValue { env["SNOWFLAKE_PRIVATE_KEY_FILE"] = path(v) }
            if let v = sf["endpoint"]?.stringValue { env["SNOWFLAKE_HOST"] = v }
        }
        return env
    }

    /// Resolves and runs one pipeline; prints progress and a table; records the run. Returns the report.
    func run(_ name: String, state: StateDocument?, json: Bool) async throws -> RunReport {
        guard let pipeline = session.stack.pipelines[name] else {
            throw Diagnostic("stack \(session.stack.name) has no pipeline '\(name)'", at: SourceLocation(file: session.stack.file, line: 1, column: 1),
                             hint: Suggestion.hint(for: name, in: session.stack.pipelines.keys, kind: "pipeline"))
        }
        let runID = RunIdentity.make()
        let resolver = Resolver(stack: session.stack, kinds: session.kinds)
        resolver.runValues = ["id": .string(runID.id), "batch_id": .string(runID.batchID), "started_at": .string(runID.startedAt),
                              "environment": .string(session.environment.name)]
        resolver.knownAttribute = { address, attribute in
            guard let record = state?.resources[address] else { return nil }
            return record.attributes[attribute] ?? record.properties[attribute]
        }
        var pools: [String: Int] = [:]
        let tasks = try pipeline.resolvedTasks(with: resolver, poolName: { task in
            guard let address = task.poolAddress(in: session.stack) else { return nil }
            guard let record = state?.resources[address], let slots = record.properties["slots"]?.intValue else {
                throw Diagnostic("task '\(task.name)' uses pool '\(task.pool ?? address)', which is not deployed in \(session.environment.name)",
                                 at: task.location, hint: "run `infra apply` first")
            }
            pools[record.identity] = slots
            return record.identity
        }, notKnown: { task in
            Diagnostic("task '\(task.name)' refers to something not deployed in \(session.environment.name)", at: task.location,
                       hint: "run `infra apply` first")
        })
        if !json { Terminal.out("Running pipeline \(name) of \(session.address) (run \(runID.id), \(tasks.count) tasks)") }
        let runner = PipelineRunner(executors: executors(), pools: pools, failFast: pipeline.failFast)
        var (report, _) = await runner.run(name: name, tasks: tasks, observer: RunPrinter(quiet: json, style: Terminal.style))
        report.runID = runID.id
        report.startedAt = runID.startedAt
        try record(report)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Terminal.write(try encoder.encode(report) + Data("\n".utf8))
        } else {
            Terminal.out(RunTable.render(report, style: Terminal.style))
        }
        return report
    }

    /// Each run is kept per environment: .infra/runs/STACK/ENV/RUN.json.
    func record(_ report: RunReport) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let path = "\(session.layout.workDirectory)/runs/\(session.stack.name)/\(session.environment.name)/\(report.runID)-\(report.pipeline).json"
        try AtomicFile.write(try encoder.encode(report), to: path)
    }
}

enum RunIdentity {
    static func make() -> (id: String, batchID: String, startedAt: String) {
        let now = Date()
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let batch = f.string(from: now)
        return (batch + "-" + String(UUID().uuidString.prefix(6)).lowercased(), batch, ISO8601DateFormatter().string(from: now))
    }
}

final class RunPrinter: RunObserver, @unchecked Sendable {
    let quiet: Bool
    let style: Style
    init(quiet: Bool, style: Style) { self.quiet = quiet; self.style = style }

    func taskStarted(_ task: ResolvedTask, attempt: Int) {
        guard !quiet else { return }
        // Who runs it, when not the environment's user: least-privilege checks read as what they are.
        let identity = [task.user.map { "as user \(SnowflakeName(parsing: $0.name).stored)" }, task.role.map { "as role \(SnowflakeName(parsing: $0).stored)" }]
            .compactMap { $0 }.joined(separator: ", ")
        Terminal.out("  \(task.name): started\(identity.isEmpty ? "" : " \(identity)")\(attempt > 1 ? " (attempt \(attempt) of \(task.retries + 1))" : "")")
    }

    func taskFinished(_ result: TaskResult) {
        guard !quiet, result.outcome != .skipped else { return }
        let text = "  \(result.name): \(result.outcome.rawValue) after \(String(format: "%.1fs", result.seconds)) — \(result.message)"
        Terminal.out(result.outcome == .succeeded ? text : style.red(text))
    }
}

enum RunTable {
    static func render(_ report: RunReport, style: Style) -> String {
        let nameWidth = max(4, report.tasks.map(\.name.count).max() ?? 0)
        var lines = ["", "TASK".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  KIND       TRIES  TIME     OUTCOME"]
        for t in report.tasks {
            let outcome = t.outcome == .succeeded ? style.green(t.outcome.rawValue) : style.red(t.outcome.rawValue)
            lines.append(t.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                + t.kind.padding(toLength: 9, withPad: " ", startingAt: 0) + "  " + String(t.attempts).padding(toLength: 5, withPad: " ", startingAt: 0)
                + "  " + String(format: "%.1fs", t.seconds).padding(toLength: 7, withPad: " ", startingAt: 0) + "  " + outcome
                + (t.outcome == .succeeded ? "" : "  \(t.message)"))
        }
        let passed = report.tasks.filter { $0.outcome == .succeeded }.count
        lines.append("")
        lines.append((report.succeeded ? style.green("Pipeline \(report.pipeline) passed") : style.red("Pipeline \(report.pipeline) failed"))
            + ": \(passed) of \(report.tasks.count) tasks succeeded in \(String(format: "%.1fs", report.seconds)).")
        return lines.joined(separator: "\n")
    }
}
