import Foundation

/// One column of a result, as `resultSetMetaData.rowType` describes it.
public struct ResultColumn: Sendable, Equatable, Decodable {
    public var name: String
    public var type: String
    public var nullable: Bool?
    public var length: Int?
    public var precision: Int?
    public var scale: Int?
}

/// A finished statement: its handle, columns and every row (all partitions fetched), values as the
/// API sends them (text, or nil for SQL NULL).
public struct StatementResult: Sendable, Equatable {
    public var statementHandle: String
    public var columns: [ResultColumn]
    public var rows: [[String?]]
    public var message: String?
    /// Set on a multi-statement request: the handles of its statements, in order.
    public var childHandles: [String]

    /// Rows keyed by lower-cased column name (the first of duplicated names wins).
    public var records: [[String: String?]] {
        let names = columns.map { $0.name.lowercased() }
        return rows.map { row in
            var record: [String: String?] = [:]
            for (name, value) in zip(names, row) where record[name] == nil { record[name] = value }
            return record
        }
    }
}

/// A statement's failure as Snowflake reports it: code (e.g. 002003), SQL state and message.
public struct SnowflakeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var httpStatus: Int
    public var code: String
    public var sqlState: String?
    public var message: String
    public var statementHandle: String?

    public init(httpStatus: Int, code: String, sqlState: String? = nil, message: String, statementHandle: String? = nil) {
        self.httpStatus = httpStatus
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.statementHandle = statementHandle
    }

    public static let objectAlreadyExists = "002002"
    public static let objectDoesNotExist = "002003"
    public static let syntaxError = "001003"
    public static let invalidJWT = "390144"

    public var description: String {
        var text = "Snowflake error \(code)"
        if let sqlState { text += " (\(sqlState))" }
        // Snowflake breaks messages after "SQL compilation error:"; one line reads better in progress output.
        return text + ": " + message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}

/// Transport-level failures: no answer, or an answer that is not the SQL API's.
public enum SQLAPITransportError: Error, Sendable, CustomStringConvertible {
    case unreachable(String, underlying: String)
    case unexpectedResponse(status: Int, body: String)
    case timedOut(String)

    public var description: String {
        switch self {
        case .unreachable(let url, let why): return "cannot reach the Snowflake SQL API at \(url): \(why)"
        case .unexpectedResponse(let status, let body): return "unexpected answer from the Snowflake SQL API (HTTP \(status)): \(body.prefix(300))"
        case .timedOut(let what): return "timed out waiting for \(what)"
        }
    }
}

/// The wire shapes of the SQL API v2's answers.
struct ResponseBody: Decodable {
    struct Metadata: Decodable {
        var numRows: Int?
        var format: String?
        var rowType: [ResultColumn]?
        var partitionInfo: [Partition]?
    }
    struct Partition: Decodable { var rowCount: Int?; var uncompressedSize: Int? }

    var resultSetMetaData: Metadata?
    var data: [[String?]]?
    var code: String?
    var sqlState: String?
    var message: String?
    var statementHandle: String?
    var statementHandles: [String]?
    var statementStatusUrl: String?
}
