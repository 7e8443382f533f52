import Foundation
import InfraEngine

/// `sql:` tasks: one statement; its rows become `rows`, a single value becomes `value`. With
/// `expect: {error: …}` the task succeeds only if the statement fails with that text in the message.
public struct SQLTaskExecutor: TaskExecutor {
    let sql: any SQLRunner

    public init(sql: any SQLRunner) { self.sql = sql }

    public func run(_ task: ResolvedTask) async throws -> TaskOutput {
        guard let statement = task.body.stringValue else { throw TaskFailure("a sql task needs a statement") }
        let expectedError = task.expect?.mapValue?["error"]?.stringValue
        let rows: [SQLRow]
        let runner = try sql.forTask(task)
        do {
            rows = try await runner.query(statement)
        } catch {
            let message = "\(error)"
            if let expectedError {
                if message.localizedCaseInsensitiveContains(expectedError) { return TaskOutput(summary: "failed as expected: \(firstLine(message))") }
                throw TaskFailure("expected an error containing '\(expectedError)', got: \(message)")
            }
            throw TrustHint.explain(error)
        }
        if let expectedError { throw TaskFailure("expected an error containing '\(expectedError)', but the statement succeeded") }
        return Self.output(rows: rows, statement: statement)
    }

    static func output(rows: [SQLRow], statement: String) -> TaskOutput {
        var values: [String: Value] = ["rows": .list(rows.map { row in .list(row.orderedValues.map { $0.map(Value.string) ?? .null }) })]
        if rows.count == 1, rows[0].orderedValues.count == 1 { values["value"] = rows[0].orderedValues[0].map(Value.string) ?? .null }
        if let loaded = CopyTaskExecutor.loadCounts(rows) { values.merge(loaded.values) { a, _ in a } }
        let summary = values["value"].map { "→ \($0.interpolationText)" } ?? "\(rows.count) row\(rows.count == 1 ? "" : "s")"
        return TaskOutput(summary: summary, values: values)
    }

    private func firstLine(_ s: String) -> String { String(s.split(separator: "\n").first ?? "") }
}

/// Snowflake's "Error assuming AWS_ROLE" says what failed, not why. The why is nearly always the trust
/// between the role and the storage integration, so the task's error says where to look.
enum TrustHint {
    static func explain(_ error: Error) -> Error {
        let message = "\(error)"
        guard message.contains("Error assuming AWS_ROLE") || message.contains("not authorized to perform: sts:AssumeRole") else { return error }
        return TaskFailure(message + "\n  hint: the IAM role's trust policy must allow the integration's STORAGE_AWS_IAM_USER_ARN with "
            + "sts:ExternalId equal to its STORAGE_AWS_EXTERNAL_ID (see DESC INTEGRATION). Let infra write it: "
            + "`trust: {snowflake_integration: ${your_integration}}` on the role, then `infra apply`.")
    }
}
