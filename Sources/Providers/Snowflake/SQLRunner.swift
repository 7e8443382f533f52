import Foundation
import InfraEngine

/// One result row, by lower-cased column name. Snowflake's SQL API returns every value as text.
public struct SQLRow: Sendable, Equatable {
    public var values: [String: String?]
    /// The values in column order, for results read by position (a task's rows).
    public var orderedValues: [String?]

    public init(_ values: [String: String?]) {
        self.values = Dictionary(values.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        orderedValues = values.keys.sorted().map { values[$0]! }
    }

    public init(columns: [String], values row: [String?]) {
        var map: [String: String?] = [:]
        for (name, value) in zip(columns, row) where map[name.lowercased()] == nil { map[name.lowercased()] = value }
        values = map
        orderedValues = row
    }

    public subscript(_ column: String) -> String? { values[column.lowercased()] ?? nil }
}

/// What the Snowflake kinds need from a connection: statements in, rows out. The SQL API client
/// implements it; the kinds only build statements and read results.
public protocol SQLRunner: Sendable {
    func query(_ statement: String) async throws -> [SQLRow]
    /// Several statements in one request where that is safe; one result per statement, in order.
    func queryBatch(_ statements: [String]) async throws -> [[SQLRow]]
    /// Statements whose results are not needed (DDL), in order, stopping at the first failure.
    func execute(_ statements: [String]) async throws
    /// The most rows one SHOW may answer: Snowflake's 10,000 (tests lower it with the emulator's).
    var showRowLimit: Int { get }
    /// The same connection with statements run as `role` (a name as written in a stack: `loader`, `"Mixed"`).
    func assuming(role: String) throws -> any SQLRunner
    /// A connection to the same account signed in as a service user with its own key, as `role` when given
    /// (else the user's default role).
    func signedIn(as user: TaskUser, role: String?) throws -> any SQLRunner
}

extension SQLRunner {
    public var showRowLimit: Int { 10_000 }

    public func assuming(role: String) throws -> any SQLRunner {
        throw SnowflakeProviderError("this connection cannot run statements as another role (\(role))")
    }

    public func signedIn(as user: TaskUser, role: String?) throws -> any SQLRunner {
        throw SnowflakeProviderError("this connection cannot sign in as another user (\(user.name))")
    }

    /// This connection, or the one the task's `as:` user or `role:` names.
    func forTask(_ task: ResolvedTask) throws -> any SQLRunner {
        if let user = task.user { return try signedIn(as: user, role: task.role) }
        guard let role = task.role else { return self }
        return try assuming(role: role)
    }

    public func execute(_ statements: [String]) async throws {
        guard !statements.isEmpty else { return }
        if statements.count == 1 { _ = try await query(statements[0]) } else { _ = try await queryBatch(statements) }
    }
}

/// Shared by the Snowflake kinds: name handling, property reading and statement fragments.
enum SnowflakeKindSupport {
    static func name(_ value: Value?) -> SnowflakeName? { value?.stringValue.map(SnowflakeName.init(parsing:)) }
    static func qualified(_ value: Value?) -> QualifiedName? { value?.stringValue.map(QualifiedName.init(parsing:)) }

    static func canonicalName(_ value: Value) -> Value {
        guard case .string(let s) = value else { return value }
        return .string(SnowflakeName(parsing: s).description)
    }

    static func canonicalQualified(_ value: Value) -> Value {
        guard case .string(let s) = value else { return value }
        return .string(QualifiedName(parsing: s).description)
    }

    static func bool(_ text: String?) -> Value {
        guard let text else { return .null }
        return .bool(["true", "on", "yes", "y"].contains(text.lowercased()))
    }

    static func int(_ text: String?) -> Value {
        guard let text, let i = Int(text) else { return .null }
        return .int(i)
    }

    static func text(_ text: String?) -> Value { text.map(Value.string) ?? .null }

    /// `COMMENT = '…'` when set.
    static func comment(_ properties: [String: Value]) -> String {
        guard let c = properties["comment"]?.stringValue, !c.isEmpty else { return "" }
        return " COMMENT = " + SnowflakeLiteral.string(c)
    }

    /// `ALTER <object> SET COMMENT = …`, or UNSET when the stack's comment is empty.
    static func commentStatement(_ object: String, _ properties: [String: Value]) -> String {
        let comment = properties["comment"]?.stringValue ?? ""
        return comment.isEmpty ? "ALTER \(object) UNSET COMMENT" : "ALTER \(object) SET COMMENT = \(SnowflakeLiteral.string(comment))"
    }

    /// Each statement's rows, the statements sent concurrently; a statement about something that does not exist
    /// (a database or schema dropped, or not made yet) is left out rather than failing the others.
    static func rowsUnlessMissing<Key: Hashable & Sendable>(_ statements: [Key: String], sql: any SQLRunner) async throws -> [Key: [SQLRow]] {
        try await withThrowingTaskGroup(of: (Key, [SQLRow]?).self) { group in
            for (key, statement) in statements {
                group.addTask {
                    do { return (key, try await sql.query(statement)) } catch where "\(error)".contains("does not exist") { return (key, nil) }
                }
            }
            var out: [Key: [SQLRow]] = [:]
            for try await (key, rows) in group { if let rows { out[key] = rows } }
            return out
        }
    }

    /// Groups rows of `SHOW … IN ACCOUNT` by the qualified identity they describe.
    static func index(_ rows: [SQLRow], by parts: [String]) -> [String: SQLRow] {
        var out: [String: SQLRow] = [:]
        for row in rows {
            let names = parts.compactMap { row[$0] }.map(SnowflakeName.init(stored:))
            guard names.count == parts.count else { continue }
            out[QualifiedName(names).description] = row
        }
        return out
    }
}
