import Foundation
import InfraEngine
import SnowflakeSQLAPI

/// The kinds' `SQLRunner` over the SQL API client. Snowflake runs several statements in one request only in
/// a session with a warehouse ("Executing multiple statements in a single query requires that a valid
/// warehouse is available in a session", SQL API guide). So batches go out as one multi-statement request
/// only when the connection names a warehouse; otherwise one statement per request: queries concurrently,
/// DDL in order, stopping at the first failure.
public struct SQLAPIRunner: SQLRunner {
    public let client: SQLAPIClient
    public let showRowLimit: Int

    public init(client: SQLAPIClient, showRowLimit: Int = 10_000) {
        self.client = client
        self.showRowLimit = showRowLimit
    }

    var batches: Bool { client.configuration.context.warehouse != nil }

    public func query(_ statement: String) async throws -> [SQLRow] {
        Self.rows(try await client.execute(statement))
    }

    public func queryBatch(_ statements: [String]) async throws -> [[SQLRow]] {
        guard !statements.isEmpty else { return [] }
        if statements.count == 1 { return [try await query(statements[0])] }
        if batches { return try await client.executeMany(statements, fetchResults: true).map(Self.rows) }
        return try await withThrowingTaskGroup(of: (Int, [SQLRow]).self) { group in
            for (index, statement) in statements.enumerated() {
                group.addTask { (index, try await query(statement)) }
            }
            var results = [[SQLRow]](repeating: [], count: statements.count)
            for try await (index, rows) in group { results[index] = rows }
            return results
        }
    }

    static func rows(_ result: StatementResult) -> [SQLRow] {
        let names = result.columns.map(\.name)
        return result.rows.map { SQLRow(columns: names, values: $0) }
    }

    public func execute(_ statements: [String]) async throws {
        if statements.count > 1, batches {
            _ = try await client.executeMany(statements, fetchResults: false)
            return
        }
        for statement in statements { _ = try await client.execute(statement) }
    }
}

/// Builds its runner on first use, so loading and validating a stack never touch the network or the key file,
/// and a misconfigured connection is reported only when Snowflake is really needed.
public final class LazySQLRunner: SQLRunner, @unchecked Sendable {
    private let make: @Sendable () throws -> SQLAPIRunner
    private let lock = NSLock()
    private var built: Result<SQLAPIRunner, Error>?

    public init(_ make: @escaping @Sendable () throws -> SQLAPIRunner) { self.make = make }

    public func runner() throws -> SQLAPIRunner {
        try lock.withLock {
            if built == nil { built = Result { try make() } }
            return try built!.get()
        }
    }

    /// The client's counters, if it was ever built.
    public var metrics: SQLAPIMetrics? { lock.withLock { (try? built?.get())?.client.metrics } }

    public func query(_ statement: String) async throws -> [SQLRow] { try await runner().query(statement) }
    public func queryBatch(_ statements: [String]) async throws -> [[SQLRow]] { try await runner().queryBatch(statements) }
    public func execute(_ statements: [String]) async throws { try await runner().execute(statements) }
    public var showRowLimit: Int { (try? runner().showRowLimit) ?? 10_000 }
}

/// Every Snowflake kind, sharing one connection.
public enum SnowflakeKinds {
    public static func all(sql: any SQLRunner) -> [any ResourceKind] {
        [DatabaseKind(sql: sql), SchemaKind(sql: sql), WarehouseKind(sql: sql), StorageIntegrationKind(sql: sql),
         FileFormatKind(sql: sql), StageKind(sql: sql), TableKind(sql: sql), PipeKind(sql: sql), ExternalTableKind(sql: sql),
         RoleKind(sql: sql), UserKind(sql: sql), GrantKind(sql: sql)]
    }
}
