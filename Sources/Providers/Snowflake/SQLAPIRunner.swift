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
    /// Statements sent, by what they do, for `--trace`.
    public let tally = StatementTally()

    public init(client: SQLAPIClient, showRowLimit: Int = 10_000) {
        self.client = client
        self.showRowLimit = showRowLimit
    }

    var batches: Bool { client.configuration.context.warehouse != nil }

    /// The SQL API takes the role per request, spelled as SHOW ROLES spells it (the field is case-sensitive).
    /// A session also holds every other role of its user as secondary roles (DEFAULT_SECONDARY_ROLES = ('ALL')
    /// since Snowflake's 2024_08 bundle), which would let a task do what its role may not: so each statement goes
    /// in one request after `USE SECONDARY ROLES NONE`, which needs a warehouse in the session.
    public func assuming(role: String) throws -> any SQLRunner {
        guard batches else {
            throw SnowflakeProviderError("a task that runs as role \(role) needs a warehouse in the environment's snowflake block: "
                + "Snowflake runs USE SECONDARY ROLES NONE and the task's statement in one request only with one")
        }
        var configuration = client.configuration
        configuration.context.role = SnowflakeName(parsing: role).stored
        return RoleOnlyRunner(connection: SQLAPIRunner(client: SQLAPIClient(configuration), showRowLimit: showRowLimit))
    }

    public func query(_ statement: String) async throws -> [SQLRow] {
        Self.rows(try await send([statement]) { try await client.execute(statement) })
    }

    public func queryBatch(_ statements: [String]) async throws -> [[SQLRow]] {
        guard !statements.isEmpty else { return [] }
        if statements.count == 1 { return [try await query(statements[0])] }
        if batches { return try await send(statements) { try await client.executeMany(statements, fetchResults: true) }.map(Self.rows) }
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
            _ = try await send(statements) { try await client.executeMany(statements, fetchResults: false) }
            return
        }
        for statement in statements { _ = try await query(statement) }
    }

    /// One request, counted, and told to the engine as push-back when Snowflake answered it (or any request sent
    /// meanwhile) with a retryable failure (429 "Request rate exceeds max", 5xx, a timeout) or finally refused it
    /// as overloaded: apply then lowers how many statements it keeps in flight.
    func send<T>(_ statements: [String], _ request: () async throws -> T) async throws -> T {
        tally.count(statements)
        let retriesBefore = client.metrics.retries
        do {
            let result = try await request()
            if client.metrics.retries > retriesBefore { ServiceLoad.pushedBack() }
            return result
        } catch {
            if client.metrics.retries > retriesBefore || Self.isOverload(error) { ServiceLoad.pushedBack() }
            throw error
        }
    }

    static func isOverload(_ error: Error) -> Bool {
        let overloaded = [429, 503, 504]
        if let error = error as? SnowflakeError { return overloaded.contains(error.httpStatus) }
        if case .unexpectedResponse(let status, _)? = error as? SQLAPITransportError { return overloaded.contains(status) }
        return false
    }
}

/// How many statements of each sort a connection sent (`SHOW SCHEMAS`, `CREATE`, `DESC STAGE`…), for `--trace`.
public final class StatementTally: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    public init() {}

    func count(_ statements: [String]) {
        let sorts = statements.map(Self.sort)
        lock.withLock { for sort in sorts { counts[sort, default: 0] += 1 } }
    }

    public var bySort: [String: Int] { lock.withLock { counts } }

    /// SHOW and DESC by the objects they list (`SHOW FILE FORMATS`); other statements by their first word.
    static func sort(of statement: String) -> String {
        let words = statement.split(whereSeparator: \.isWhitespace).map { $0.uppercased() }
        guard let verb = words.first else { return "" }
        guard ["SHOW", "DESC", "DESCRIBE"].contains(verb) else { return verb }
        let clauses: Set<String> = ["IN", "LIKE", "LIMIT", "STARTS", "FROM", "TERSE"]
        let objects = words.dropFirst().prefix { !clauses.contains($0) && !$0.contains("\"") && !$0.contains("'") }
        // An object type is at most two words after DESC (`DESC STORAGE INTEGRATION`); unquoted names end no clause.
        return ([verb == "DESCRIBE" ? "DESC" : verb] + objects.prefix(verb == "SHOW" ? objects.count : 2)).joined(separator: " ")
    }
}

/// Builds its runner on first use, so loading and validating a stack never touch the network or the key file,
/// and a misconfigured connection is reported only when Snowflake is really needed.
public final class LazySQLRunner: SQLRunner, @unchecked Sendable {
    private let make: @Sendable () throws -> SQLAPIRunner
    private let signIn: @Sendable (TaskUser, String?) throws -> SQLAPIRunner
    private let lock = NSLock()
    private var built: Result<SQLAPIRunner, Error>?
    /// One connection per service user and role, so the tasks of a run share its JWT and connections.
    private var signedIn: [String: SQLAPIRunner] = [:]

    public init(_ make: @escaping @Sendable () throws -> SQLAPIRunner,
                signIn: @escaping @Sendable (TaskUser, String?) throws -> SQLAPIRunner = { user, _ in
                    throw SnowflakeProviderError("this connection cannot sign in as another user (\(user.name))")
                }) {
        self.make = make
        self.signIn = signIn
    }

    public func runner() throws -> SQLAPIRunner {
        try lock.withLock {
            if built == nil { built = Result { try make() } }
            return try built!.get()
        }
    }

    /// The client's counters, if it was ever built.
    public var metrics: SQLAPIMetrics? { lock.withLock { (try? built?.get())?.client.metrics } }
    /// Statements sent by sort, if the runner was ever built.
    public var statementSorts: [String: Int]? { lock.withLock { (try? built?.get())?.tally.bySort } }

    public func query(_ statement: String) async throws -> [SQLRow] { try await runner().query(statement) }
    public func queryBatch(_ statements: [String]) async throws -> [[SQLRow]] { try await runner().queryBatch(statements) }
    public func execute(_ statements: [String]) async throws { try await runner().execute(statements) }
    public var showRowLimit: Int { (try? runner().showRowLimit) ?? 10_000 }
    public func assuming(role: String) throws -> any SQLRunner { try runner().assuming(role: role) }

    public func signedIn(as user: TaskUser, role: String?) throws -> any SQLRunner {
        let key = "\(user.name)\u{0}\(role ?? "")\u{0}\(user.privateKeyFile)"
        return try lock.withLock {
            if let runner = signedIn[key] { return runner }
            let runner = try signIn(user, role)
            signedIn[key] = runner
            return runner
        }
    }
}

/// Every Snowflake kind, sharing one connection.
public enum SnowflakeKinds {
    /// `projectRoot`: where relative key files (a user's `rsa_public_key_file`) are.
    public static func all(sql: any SQLRunner, projectRoot: String) -> [any ResourceKind] {
        [DatabaseKind(sql: sql), SchemaKind(sql: sql), WarehouseKind(sql: sql), StorageIntegrationKind(sql: sql),
         FileFormatKind(sql: sql), StageKind(sql: sql), TableKind(sql: sql), PipeKind(sql: sql), ExternalTableKind(sql: sql),
         RoleKind(sql: sql), DatabaseRoleKind(sql: sql), UserKind(sql: sql, projectRoot: projectRoot), GrantKind(sql: sql)]
    }
}

/// Statements run with the session's primary role alone (see `SQLAPIRunner.assuming(role:)`).
struct RoleOnlyRunner: SQLRunner {
    let connection: SQLAPIRunner
    static let primaryRoleOnly = "USE SECONDARY ROLES NONE"

    var showRowLimit: Int { connection.showRowLimit }

    func query(_ statement: String) async throws -> [SQLRow] {
        try await connection.queryBatch([Self.primaryRoleOnly, statement])[1]
    }

    func queryBatch(_ statements: [String]) async throws -> [[SQLRow]] {
        Array(try await connection.queryBatch([Self.primaryRoleOnly] + statements).dropFirst())
    }

    func execute(_ statements: [String]) async throws {
        try await connection.execute([Self.primaryRoleOnly] + statements)
    }
}
