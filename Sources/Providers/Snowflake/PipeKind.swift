import Foundation
import InfraEngine

/// `snowflake.pipe`: Snowpipe auto-ingest. Its `notification_channel` (an SQS queue ARN) exists only once the
/// pipe does; the bucket's event notification references it, so one apply creates the pipe, then wires S3.
public struct PipeKind: BulkReadBackKind {
    let sql: any SQLRunner
    public init(sql: any SQLRunner) { self.sql = sql }

    static let copyFields: [PropertySchema] = [
        PropertySchema("into", .string, required: true, summary: "the target table, e.g. ${raw_events}"),
        PropertySchema("from", .string, required: true, summary: "@stage or @stage/path/"),
        PropertySchema("file_format", .string),
        PropertySchema("pattern", .string),
        PropertySchema("match_by_column_name", .enumeration(["CASE_SENSITIVE", "CASE_INSENSITIVE", "NONE"], caseInsensitive: true)),
        PropertySchema("on_error", .enumeration(["ABORT_STATEMENT", "CONTINUE", "SKIP_FILE"], caseInsensitive: true)),
    ]

    public var schema: KindSchema {
        KindSchema(
            name: "snowflake.pipe", summary: "a Snowpipe",
            properties: [
                PropertySchema("schema", .string, required: true, forcesReplacement: true),
                PropertySchema("name", .string, required: true),
                PropertySchema("copy", .object(Self.copyFields), required: true, forcesReplacement: true,
                               summary: "the COPY INTO the pipe runs; a pipe's definition cannot change in place"),
                PropertySchema("auto_ingest", .bool, default: true, forcesReplacement: true),
                PropertySchema("comment", .string, default: ""),
            ],
            attributes: [
                AttributeSchema("qualified_name", .planTime(inputs: ["schema", "name"])),
                AttributeSchema("notification_channel", .afterApply, summary: "the SQS queue ARN S3 must notify"),
            ],
            referenceAttribute: "qualified_name", identityProperties: ["schema", "name"])
    }

    func qualifiedName(_ p: [String: Value]) -> QualifiedName? {
        guard let schema = SnowflakeKindSupport.qualified(p["schema"]), let name = SnowflakeKindSupport.name(p["name"]) else { return nil }
        return schema.appending(name)
    }

    public func identity(of properties: [String: Value]) -> String? { qualifiedName(properties)?.description }

    public func plannedAttributes(_ properties: [String: Value], context: PlanningContext) -> [String: Value] {
        qualifiedName(properties).map { ["qualified_name": .string($0.description)] } ?? [:]
    }

    /// The COPY statement a `copy:` block stands for; stage paths are validated so nothing else can be injected.
    static func copyStatement(_ copy: [String: Value]) throws -> String {
        guard let into = copy["into"]?.stringValue, let from = copy["from"]?.stringValue else {
            throw SnowflakeProviderError("a pipe's copy needs `into` and `from`")
        }
        var statement = "COPY INTO \(QualifiedName(parsing: into).sql) FROM \(try StagePath(parsing: from).sql)"
        if let format = copy["file_format"]?.stringValue { statement += " FILE_FORMAT = (FORMAT_NAME = \(SnowflakeLiteral.string(QualifiedName(parsing: format).sql)))" }
        if let pattern = copy["pattern"]?.stringValue { statement += " PATTERN = \(SnowflakeLiteral.string(pattern))" }
        if let match = copy["match_by_column_name"]?.stringValue { statement += " MATCH_BY_COLUMN_NAME = \(match.uppercased())" }
        if let onError = copy["on_error"]?.stringValue { statement += " ON_ERROR = \(onError.uppercased())" }
        return statement
    }

    /// Definitions compare with whitespace collapsed and keywords in one case: Snowflake keeps the text as sent.
    static func canonicalDefinition(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
    }

    public func normalize(_ value: Value, property: String) -> Value {
        switch (property, value) {
        case ("name", _): return SnowflakeKindSupport.canonicalName(value)
        case ("schema", _): return SnowflakeKindSupport.canonicalQualified(value)
        case ("copy", .map(let copy)): return (try? Self.copyStatement(copy)).map { .string(Self.canonicalDefinition($0)) } ?? value
        case ("copy", .string(let s)): return .string(Self.canonicalDefinition(s))
        default: return value
        }
    }

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        let rows = SnowflakeKindSupport.index(try await sql.show(.pipes, about: identities), by: ["database_name", "schema_name", "name"])
        var out: [String: LiveObject] = [:]
        for identity in identities {
            guard let row = rows[identity] else { continue }
            let q = QualifiedName(parsing: identity)
            let channel = SnowflakeKindSupport.text(row["notification_channel"].flatMap { $0.isEmpty ? nil : $0 })
            out[identity] = LiveObject(identity: identity, properties: [
                "schema": .string(QualifiedName(Array(q.parts.dropLast())).description),
                "name": .string(q.last.description),
                "copy": .string(Self.canonicalDefinition(row["definition"] ?? "")),
                "auto_ingest": .bool(channel != .null),
                "comment": .string(row["comment"] ?? ""),
            ], attributes: ["qualified_name": .string(identity), "notification_channel": channel])
        }
        return out
    }

    public func sendCreate(_ resource: DesiredResource) async throws -> String {
        let p = resource.properties
        let q = qualifiedName(p)!
        let copy = try Self.copyStatement(p["copy"]?.mapValue ?? [:])
        let autoIngest = p["auto_ingest"]?.boolValue ?? true
        try await sql.execute(["CREATE PIPE \(q.sql) AUTO_INGEST = \(autoIngest ? "TRUE" : "FALSE")\(SnowflakeKindSupport.comment(p)) AS \(copy)"])
        return q.description
    }

    public func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String {
        let q = qualifiedName(resource.properties)!
        if changes.contains(where: { $0.property == "comment" }) {
            try await sql.execute(["ALTER PIPE \(q.sql) SET COMMENT = \(SnowflakeLiteral.string(resource.properties["comment"]?.stringValue ?? ""))"])
        }
        return q.description
    }

    public func delete(_ object: LiveObject) async throws {
        try await sql.execute(["DROP PIPE IF EXISTS \(QualifiedName(parsing: object.identity).sql)"])
    }
}

/// `@DB.SCHEMA.STAGE/some/path/`: a stage name (quoted in SQL) and an optional path of safe characters.
struct StagePath {
    var stage: QualifiedName
    var path: String

    init(parsing text: String) throws {
        guard text.hasPrefix("@") else { throw SnowflakeProviderError("'\(text)' is not a stage reference: write @stage or @stage/path/") }
        let body = text.dropFirst()
        let slash = body.firstIndex(of: "/")
        stage = QualifiedName(parsing: String(slash.map { body[..<$0] } ?? body))
        path = slash.map { String(body[$0...]) } ?? ""
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "/_-.=+ "))
        guard path.unicodeScalars.allSatisfy(allowed.contains) else {
            throw SnowflakeProviderError("stage path '\(path)' may contain only letters, digits and / _ - . = +")
        }
    }

    var sql: String { "@" + stage.sql + path }
}
