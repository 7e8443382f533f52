import Foundation
import InfraEngine

/// `assert:` tasks in dbt's vocabulary (not_null, unique, accepted_values, relationships, row_count).
/// Every test counts its failing rows; all run as one UNION ALL query, so an assert costs one request.
public struct AssertTaskExecutor: TaskExecutor {
    let sql: any SQLRunner

    public init(sql: any SQLRunner) { self.sql = sql }

    /// One test: a query measuring a count, and the rule the count must meet. The rule is data, not a closure,
    /// so the Airflow export renders the same pass/fail decision and message (AirflowExport).
    public struct Check: Sendable {
        public var name: String
        public var query: String
        public var rule: Rule
    }

    public enum Rule: Sendable, Equatable {
        /// Passes when no row is found; the message names what was found ("2 null values").
        case noRows(singular: String, plural: String)
        case rowCount(equals: Int?, min: Int?, max: Int?)

        public func passes(_ n: Int) -> Bool {
            switch self {
            case .noRows: return n == 0
            case .rowCount(let equals, let low, let high):
                return (equals.map { n == $0 } ?? true) && (low.map { n >= $0 } ?? true) && (high.map { n <= $0 } ?? true)
            }
        }

        public func explain(_ n: Int) -> String {
            switch self {
            case .noRows(let singular, let plural): return "\(n) \(n == 1 ? singular : plural)"
            case .rowCount(let equals, let low, let high):
                return "\(n) rows, expected " + [equals.map { "exactly \($0)" }, low.map { "at least \($0)" }, high.map { "at most \($0)" }]
                    .compactMap { $0 }.joined(separator: " and ")
            }
        }
    }

    /// The one query that measures every check: a row (check_index, measured) per check.
    public static func measuringQuery(_ checks: [Check]) -> String {
        checks.enumerated().map { i, c in "SELECT \(i) AS check_index, (\(c.query)) AS measured" }.joined(separator: " UNION ALL ")
    }

    public func run(_ task: ResolvedTask) async throws -> TaskOutput {
        let checks = try Self.checks(task.body.mapValue ?? [:])
        guard !checks.isEmpty else { throw TaskFailure("an assert task needs at least one test") }
        let rows = try await sql.forTask(task).query(Self.measuringQuery(checks))
        var measured: [Int: Int] = [:]
        for row in rows { if let i = Int(row["check_index"] ?? ""), let n = Int(row["measured"] ?? "") { measured[i] = n } }
        var failures: [String] = []
        var values: [String: Value] = [:]
        for (i, check) in checks.enumerated() {
            guard let n = measured[i] else { failures.append("\(check.name): no result"); continue }
            values[check.name] = .int(n)
            if !check.rule.passes(n) { failures.append("\(check.name): \(check.rule.explain(n))") }
        }
        if !failures.isEmpty { throw TaskFailure(failures.joined(separator: "; ")) }
        return TaskOutput(summary: "\(checks.count) check\(checks.count == 1 ? "" : "s") passed", values: values)
    }

    public static func checks(_ body: [String: Value]) throws -> [Check] {
        guard let tableText = body["table"]?.stringValue else { throw TaskFailure("an assert task needs `table`") }
        let table = QualifiedName(parsing: tableText).sql
        let filter = body["where"]?.stringValue.map { " WHERE (\($0))" } ?? ""
        func and(_ condition: String) -> String { filter.isEmpty ? " WHERE \(condition)" : "\(filter) AND \(condition)" }
        func column(_ v: String) -> String { SnowflakeName(parsing: v).sql }
        var checks: [Check] = []
        for c in body["not_null"]?.listValue?.compactMap(\.stringValue) ?? [] {
            checks.append(Check(name: "not_null(\(c))", query: "SELECT COUNT(*) FROM \(table)\(and("\(column(c)) IS NULL"))",
                                rule: .noRows(singular: "null value", plural: "null values")))
        }
        for c in body["unique"]?.listValue?.compactMap(\.stringValue) ?? [] {
            checks.append(Check(name: "unique(\(c))",
                                query: "SELECT COUNT(*) FROM (SELECT \(column(c)) FROM \(table)\(and("\(column(c)) IS NOT NULL")) GROUP BY \(column(c)) HAVING COUNT(*) > 1)",
                                rule: .noRows(singular: "duplicated value", plural: "duplicated values")))
        }
        if let accepted = body["accepted_values"]?.mapValue, let c = accepted["column"]?.stringValue, let list = accepted["values"]?.listValue {
            let literals = list.map { v -> String in
                switch v {
                case .int, .double: return v.interpolationText
                case .bool(let b): return b ? "TRUE" : "FALSE"
                default: return SnowflakeLiteral.string(v.interpolationText)
                }
            }
            checks.append(Check(name: "accepted_values(\(c))",
                                query: "SELECT COUNT(*) FROM \(table)\(and("\(column(c)) IS NOT NULL AND \(column(c)) NOT IN (\(literals.joined(separator: ", ")))"))",
                                rule: .noRows(singular: "row outside \(list.map(\.interpolationText))",
                                              plural: "rows outside \(list.map(\.interpolationText))")))
        }
        if let rel = body["relationships"]?.mapValue, let c = rel["column"]?.stringValue, let to = rel["to"]?.stringValue,
           let field = rel["field"]?.stringValue {
            let parent = QualifiedName(parsing: to).sql
            let childFilter = body["where"]?.stringValue.map { " AND (\($0))" } ?? ""
            checks.append(Check(name: "relationships(\(c) → \(to).\(field))",
                                query: "SELECT COUNT(*) FROM \(table) child WHERE child.\(column(c)) IS NOT NULL\(childFilter) AND NOT EXISTS (SELECT 1 FROM \(parent) parent WHERE parent.\(column(field)) = child.\(column(c)))",
                                rule: .noRows(singular: "row with no match", plural: "rows with no match")))
        }
        if let count = body["row_count"]?.mapValue {
            checks.append(Check(name: "row_count", query: "SELECT COUNT(*) FROM \(table)\(filter)",
                                rule: .rowCount(equals: count["equals"]?.intValue, min: count["min"]?.intValue, max: count["max"]?.intValue)))
        }
        return checks
    }
}
