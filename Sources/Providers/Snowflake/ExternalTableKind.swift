import Foundation
import InfraEngine

/// `snowflake.external_table`: Parquet that stays in S3, with metadata refreshed from S3 events
/// (the reviews pipeline). Only its comment changes in place; anything else replaces it.
public struct ExternalTableKind: BulkReadBackKind {
    let sql: any SQLRunner
    public init(sql: any SQLRunner) { self.sql = sql }

    static let columnFields: [PropertySchema] = [
        PropertySchema("name", .string, required: true),
        PropertySchema("type", .checked(ColumnType.check), required: true),
        PropertySchema("path", .string, summary: "the field in each file, e.g. review_id; defaults to the column name"),
    ]

    public var schema: KindSchema {
        KindSchema(
            name: "snowflake.external_table", summary: "an external table over staged files",
            properties: [
                PropertySchema("schema", .string, required: true, forcesReplacement: true),
                PropertySchema("name", .string, required: true),
                PropertySchema("location", .string, required: true, forcesReplacement: true, summary: "@stage/path/"),
                PropertySchema("file_format", .string, required: true, forcesReplacement: true),
                PropertySchema("columns", .list(.object(Self.columnFields)), required: true, forcesReplacement: true),
                PropertySchema("pattern", .string, forcesReplacement: true),
                PropertySchema("auto_refresh", .bool, default: true, forcesReplacement: true, createOnly: true),
                PropertySchema("comment", .string, default: ""),
            ],
            attributes: [
                AttributeSchema("qualified_name", .planTime(inputs: ["schema", "name"])),
                AttributeSchema("notification_channel", .afterApply),
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

    static func normalizeColumn(_ value: Value) -> Value {
        guard case .map(var c) = value else { return value }
        let name = SnowflakeKindSupport.canonicalName(c["name"] ?? .null)
        c["name"] = name
        c["type"] = .string(ColumnType.canonical(c["type"]?.stringValue ?? ""))
        if c["path"] == nil || c["path"] == .null { c["path"] = .string((c["name"]?.stringValue ?? "").lowercased()) }
        return .map(c)
    }

    public func normalize(_ value: Value, property: String) -> Value {
        switch (property, value) {
        case ("name", _): return SnowflakeKindSupport.canonicalName(value)
        case ("schema", _), ("file_format", _): return SnowflakeKindSupport.canonicalQualified(value)
        case ("columns", .list(let l)): return .list(l.map(Self.normalizeColumn))
        case ("location", .string(let s)): return .string((try? StagePath(parsing: s)).map { "@" + $0.stage.description + $0.path } ?? s)
        default: return value
        }
    }

    /// `value:"field"::TYPE`; field names are checked, so the expression cannot carry anything else.
    static func columnDefinition(_ column: [String: Value]) throws -> String {
        let name = SnowflakeName(parsing: column["name"]?.stringValue ?? "")
        let type = ColumnType.canonical(column["type"]?.stringValue ?? "")
        let path = column["path"]?.stringValue ?? name.stored.lowercased()
        guard path.range(of: #"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"#, options: .regularExpression) != nil else {
            throw SnowflakeProviderError("column path '\(path)' must be field names joined by '.'")
        }
        let accessor = path.split(separator: ".").map { "\"\($0)\"" }.joined(separator: ":")
        return "\(name.sql) \(type) AS (value:\(accessor)::\(type))"
    }

    /// The field path a virtual column reads, from DESC's expression. Snowflake may show the text infra wrote
    /// (`value:"a":"b"::VARCHAR`) or its own rewriting (`CAST(GET(GET(VALUE, 'a'), 'b') AS …)`,
    /// `GET_PATH(VALUE, 'a.b')`, `VALUE['a']`): either way the fields are what count, in order.
    static func path(ofExpression expression: String) -> String {
        var fields: [String] = []
        if expression.contains("'") {
            // Rewritten forms name each field in a string literal, outermost GET last.
            var literal: String?
            var previous: Character = " "
            for c in expression {
                if c == "'" && previous != "\\" {
                    if let done = literal { fields += done.split(separator: ".").map(String.init); literal = nil } else { literal = "" }
                } else if literal != nil {
                    literal!.append(c)
                }
                previous = c
            }
        } else if let colon = expression.firstIndex(of: ":") {
            // As written: VALUE:"a":"b"::TYPE (or VALUE:a.b::TYPE).
            var rest = expression[expression.index(after: colon)...]
            if let cast = rest.range(of: "::") { rest = rest[..<cast.lowerBound] }
            fields = rest.split(whereSeparator: { $0 == ":" || $0 == "." })
                .map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return fields.filter { !$0.isEmpty }.joined(separator: ".")
    }

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        let rows = SnowflakeKindSupport.index(try await sql.show(.externalTables, about: identities), by: ["database_name", "schema_name", "name"])
        let present = identities.filter { rows[$0] != nil }
        guard !present.isEmpty else { return [:] }
        let details = try await sql.queryBatch(present.map { "DESC EXTERNAL TABLE \(QualifiedName(parsing: $0).sql)" })
        var out: [String: LiveObject] = [:]
        for (identity, describe) in zip(present, details) {
            let row = rows[identity]!
            let q = QualifiedName(parsing: identity)
            let columns: [Value] = describe.filter { ($0["kind"] ?? "").uppercased() == "VIRTUAL" && ($0["name"] ?? "").uppercased() != "VALUE" }.map { c in
                return .map(["name": .string(SnowflakeName(stored: c["name"] ?? "").description), "type": .string(ColumnType.canonical(c["type"] ?? "")),
                             "path": .string(Self.path(ofExpression: c["expression"] ?? ""))])
            }
            // SHOW reports the resolved S3 location, not the @stage/path written: the recorded value stands in for it.
            out[identity] = LiveObject(identity: identity, properties: [
                "schema": .string(QualifiedName(Array(q.parts.dropLast())).description),
                "name": .string(q.last.description),
                "file_format": row["file_format_name"].flatMap { $0.isEmpty ? nil : Value.string(QualifiedName(parsing: $0).description) } ?? .null,
                "columns": .list(columns),
                "comment": .string(row["comment"] ?? ""),
            ], attributes: ["qualified_name": .string(identity),
                            "notification_channel": SnowflakeKindSupport.text(row["notification_channel"].flatMap { $0.isEmpty ? nil : $0 })])
        }
        return out
    }

    public func sendCreate(_ resource: DesiredResource) async throws -> String {
        let p = resource.properties
        let q = qualifiedName(p)!
        let columns = try (p["columns"]?.listValue ?? []).compactMap(\.mapValue).map(Self.columnDefinition)
        var statement = "CREATE EXTERNAL TABLE \(q.sql) (" + columns.joined(separator: ", ") + ")"
        // Clauses in the documented order: LOCATION, REFRESH_ON_CREATE, AUTO_REFRESH, PATTERN, FILE_FORMAT.
        statement += " LOCATION = \(try StagePath(parsing: p["location"]?.stringValue ?? "").sql)"
        // No refresh on create: the bucket may not exist yet (its notification waits for this table's queue),
        // so the first refresh is the verify pipeline's, or the first S3 event's.
        statement += " REFRESH_ON_CREATE = FALSE"
        statement += " AUTO_REFRESH = \(p["auto_refresh"]?.boolValue == false ? "FALSE" : "TRUE")"
        if let pattern = p["pattern"]?.stringValue { statement += " PATTERN = \(SnowflakeLiteral.string(pattern))" }
        statement += " FILE_FORMAT = (FORMAT_NAME = \(SnowflakeLiteral.string(QualifiedName(parsing: p["file_format"]?.stringValue ?? "").sql)))"
        statement += SnowflakeKindSupport.comment(p)
        try await sql.execute([statement])
        return q.description
    }

    public func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String {
        let q = qualifiedName(resource.properties)!
        if changes.contains(where: { $0.property == "comment" }) {
            // ALTER EXTERNAL TABLE can set only AUTO_REFRESH and tags (docs: alter-external-table). COMMENT is the
            // documented command for any object's comment, and SnowDDL uses it (ON TABLE) for external tables;
            // replacing the table as the Terraform provider does would drop its registered files for a comment.
            try await sql.execute(["COMMENT ON TABLE \(q.sql) IS \(SnowflakeLiteral.string(resource.properties["comment"]?.stringValue ?? ""))"])
        }
        return q.description
    }

    public func delete(_ object: LiveObject) async throws {
        try await sql.execute(["DROP EXTERNAL TABLE IF EXISTS \(QualifiedName(parsing: object.identity).sql)"])
    }
}
