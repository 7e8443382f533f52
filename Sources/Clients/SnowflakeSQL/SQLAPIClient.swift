import CurlHTTP
import Foundation

/// Where statements run: role, warehouse, database and schema sent with each request.
public struct StatementContext: Sendable, Equatable {
    public var role: String?
    public var warehouse: String?
    public var database: String?
    public var schema: String?

    public init(role: String? = nil, warehouse: String? = nil, database: String? = nil, schema: String? = nil) {
        self.role = role
        self.warehouse = warehouse
        self.database = database
        self.schema = schema
    }
}

/// A bind value for a `?` placeholder.
public struct Binding: Sendable, Equatable {
    public var type: String
    public var value: String?

    public static func text(_ value: String?) -> Binding { Binding(type: "TEXT", value: value) }
    public static func fixed(_ value: Int) -> Binding { Binding(type: "FIXED", value: String(value)) }
    public static func boolean(_ value: Bool) -> Binding { Binding(type: "BOOLEAN", value: value ? "true" : "false") }
}

public struct SQLAPIConfiguration: Sendable {
    public var endpoint: URL
    public var authentication: SQLAPIAuthentication
    public var context: StatementContext
    /// Snowflake cancels a statement that runs longer (seconds); nil leaves the account's default.
    public var statementTimeout: Int?
    /// How long one HTTP exchange may take before it counts as a transient failure.
    public var requestTimeout: TimeInterval
    public var retry: RetryPolicy
    /// How long to keep polling an asynchronous statement.
    public var pollTimeout: TimeInterval

    public init(endpoint: URL, authentication: SQLAPIAuthentication, context: StatementContext = StatementContext(),
                statementTimeout: Int? = nil, requestTimeout: TimeInterval = 60, retry: RetryPolicy = RetryPolicy(),
                pollTimeout: TimeInterval = 3600) {
        self.endpoint = endpoint
        self.authentication = authentication
        self.context = context
        self.statementTimeout = statementTimeout
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.pollTimeout = pollTimeout
    }
}

/// How many HTTP requests and SQL statements a client has sent; refresh costs are documented from these.
public struct SQLAPIMetrics: Sendable, Equatable {
    public var requests = 0
    public var statements = 0
    public var retries = 0
}

/// A client of Snowflake's SQL API v2 (`/api/v2/statements`): submits statements, follows asynchronous
/// ones, fetches every partition, and retries transient failures without ever running a statement twice.
public final class SQLAPIClient: @unchecked Sendable {
    public let configuration: SQLAPIConfiguration
    private let lock = NSLock()
    private var counters = SQLAPIMetrics()

    public init(_ configuration: SQLAPIConfiguration) {
        self.configuration = configuration
    }

    public var metrics: SQLAPIMetrics { lock.withLock { counters } }
    public func resetMetrics() { lock.withLock { counters = SQLAPIMetrics() } }

    // MARK: Statements

    /// Runs one statement and returns its whole result.
    public func execute(_ statement: String, bindings: [Binding] = [], context: StatementContext? = nil) async throws -> StatementResult {
        let first = try await submit(statement, bindings: bindings, context: context, statementCount: 1, async: false)
        return try await complete(first)
    }

    /// Runs several statements in one request (`MULTI_STATEMENT_COUNT`). Snowflake runs them in order in
    /// one session and stops at the first failure. With `fetchResults`, each statement's result is
    /// fetched by its handle (one request each); without, only success is checked (one request in all).
    public func executeMany(_ statements: [String], context: StatementContext? = nil, fetchResults: Bool) async throws -> [StatementResult] {
        guard statements.count > 1 else {
            return try await statements.asyncMap { try await self.execute($0, context: context) }
        }
        let text = statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ";"))) }
            .joined(separator: ";\n")
        let parent = try await complete(try await submit(text, bindings: [], context: context, statementCount: statements.count, async: false))
        guard fetchResults else { return [] }
        guard parent.childHandles.count == statements.count else {
            throw SQLAPITransportError.unexpectedResponse(status: 200, body: "expected \(statements.count) statement handles, got \(parent.childHandles.count)")
        }
        var results: [StatementResult] = []
        for handle in parent.childHandles { results.append(try await result(of: handle)) }
        return results
    }

    /// Submits a statement asynchronously and returns its handle at once.
    public func submitAsync(_ statement: String, bindings: [Binding] = [], context: StatementContext? = nil) async throws -> String {
        let response = try await submit(statement, bindings: bindings, context: context, statementCount: 1, async: true)
        guard let handle = response.body.statementHandle else {
            throw SQLAPITransportError.unexpectedResponse(status: response.status, body: "no statementHandle")
        }
        return handle
    }

    /// Waits for a statement (polling with backoff) and returns its whole result.
    public func result(of handle: String) async throws -> StatementResult {
        try await complete(try await status(of: handle, partition: nil))
    }

    /// Asks Snowflake to cancel a running statement.
    public func cancel(_ handle: String) async throws {
        let url = configuration.endpoint.appendingPathComponent("api/v2/statements/\(handle)/cancel")
        _ = try await send(method: "POST", url: url, body: Data("{}".utf8), allowRetry: true)
    }

    // MARK: Protocol

    struct Response {
        var status: Int
        var body: ResponseBody
    }

    private func submit(_ statement: String, bindings: [Binding], context: StatementContext?, statementCount: Int, async: Bool) async throws -> Response {
        let ctx = context ?? configuration.context
        var body: [String: Any] = ["statement": statement]
        if let t = configuration.statementTimeout { body["timeout"] = t }
        if let v = ctx.role { body["role"] = v }
        if let v = ctx.warehouse { body["warehouse"] = v }
        if let v = ctx.database { body["database"] = v }
        if let v = ctx.schema { body["schema"] = v }
        var parameters: [String: String] = ["QUERY_TAG": "infra"]
        if statementCount != 1 { parameters["MULTI_STATEMENT_COUNT"] = String(statementCount) }
        body["parameters"] = parameters
        if !bindings.isEmpty {
            var map: [String: Any] = [:]
            for (i, b) in bindings.enumerated() { map[String(i + 1)] = ["type": b.type, "value": b.value as Any? ?? NSNull()] }
            body["bindings"] = map
        }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        // The request id makes a repeat safe: with retry=true, Snowflake returns the first run's result.
        var components = URLComponents(url: configuration.endpoint.appendingPathComponent("api/v2/statements"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "requestId", value: UUID().uuidString.lowercased())] + (async ? [URLQueryItem(name: "async", value: "true")] : [])
        lock.withLock { counters.statements += statementCount }
        return try await send(method: "POST", url: components.url!, body: data, allowRetry: true)
    }

    private func status(of handle: String, partition: Int?) async throws -> Response {
        var components = URLComponents(url: configuration.endpoint.appendingPathComponent("api/v2/statements/\(handle)"), resolvingAgainstBaseURL: false)!
        if let partition { components.queryItems = [URLQueryItem(name: "partition", value: String(partition))] }
        return try await send(method: "GET", url: components.url!, body: nil, allowRetry: true)
    }

    /// Follows a statement until it finishes, then gathers every partition.
    private func complete(_ first: Response) async throws -> StatementResult {
        var response = first
        let deadline = Date().addingTimeInterval(configuration.pollTimeout)
        var pause: TimeInterval = 0.05
        while response.status == 202 {
            guard let handle = response.body.statementHandle else {
                throw SQLAPITransportError.unexpectedResponse(status: 202, body: "no statementHandle to poll")
            }
            guard Date() < deadline else { throw SQLAPITransportError.timedOut("statement \(handle)") }
            try await Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000))
            pause = min(pause * 2, 2)
            response = try await status(of: handle, partition: nil)
        }
        let body = response.body
        guard let handle = body.statementHandle else {
            throw SQLAPITransportError.unexpectedResponse(status: response.status, body: "no statementHandle")
        }
        var rows = body.data ?? []
        let partitions = body.resultSetMetaData?.partitionInfo?.count ?? 1
        if partitions > 1 {
            for index in 1..<partitions { rows += try await status(of: handle, partition: index).body.data ?? [] }
        }
        return StatementResult(statementHandle: handle, columns: body.resultSetMetaData?.rowType ?? [], rows: rows,
                               message: body.message, childHandles: body.statementHandles ?? [])
    }

    /// One HTTP exchange with retries. A retried POST carries `retry=true` beside its original request id.
    private func send(method: String, url: URL, body: Data?, allowRetry: Bool) async throws -> Response {
        var attempt = 0
        var target = url
        while true {
            attempt += 1
            let headers = [(name: "Content-Type", value: "application/json"), (name: "Accept", value: "application/json"),
                           (name: "User-Agent", value: "infra/1 (SQL API v2)")]
                + (try configuration.authentication.headers()).sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
            let request = CurlRequest(method: method, url: target, headers: headers, body: body ?? Data())
            lock.withLock { counters.requests += 1 }

            let failure: RetryPolicy.Failure
            var lastError: Error
            do {
                let response = try await CurlClient.shared.send(request, timeout: configuration.requestTimeout)
                let status = response.status
                if status == 200 || status == 202 {
                    do { return Response(status: status, body: try JSONDecoder().decode(ResponseBody.self, from: response.body)) } catch {
                        throw SQLAPITransportError.unexpectedResponse(status: status, body: String(decoding: response.body, as: UTF8.self))
                    }
                }
                let error = Self.error(status: status, data: response.body)
                guard RetryPolicy.isTransient(.status(status)) else { throw error }
                failure = .status(status)
                lastError = error
            } catch let error as CurlFailure {
                failure = Self.failure(error)
                lastError = SQLAPITransportError.unreachable(configuration.endpoint.absoluteString, underlying: error.description)
            }
            guard allowRetry, case .retry(let delay) = configuration.retry.decide(attempt: attempt, failure: failure) else { throw lastError }
            lock.withLock { counters.retries += 1 }
            if method == "POST", var components = URLComponents(url: target, resolvingAgainstBaseURL: false),
               components.queryItems?.contains(where: { $0.name == "requestId" }) == true,
               components.queryItems?.contains(where: { $0.name == "retry" }) != true {
                components.queryItems?.append(URLQueryItem(name: "retry", value: "true"))
                target = components.url!
            }
            try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
        }
    }

    static func failure(_ error: CurlFailure) -> RetryPolicy.Failure {
        switch error {
        case .timedOut: return .timedOut
        case .cannotConnect: return .unreachable
        case .connectionLost, .other: return .connectionLost
        }
    }

    static func error(status: Int, data: Data) -> Error {
        if let body = try? JSONDecoder().decode(ResponseBody.self, from: data), let code = body.code {
            return SnowflakeError(httpStatus: status, code: code, sqlState: body.sqlState,
                                  message: body.message ?? "HTTP \(status)", statementHandle: body.statementHandle)
        }
        return SQLAPITransportError.unexpectedResponse(status: status, body: String(decoding: data, as: UTF8.self))
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var out: [T] = []
        out.reserveCapacity(count)
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
