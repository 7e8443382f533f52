import Foundation
import InfraEngine

/// `snowflake.file_format`: how staged files parse (JSON, CSV, PARQUET and their options).
public struct FileFormatKind: BulkReadBackKind {
    let sql: any SQLRunner
    public init(sql: any SQLRunner) { self.sql = sql }

    /// Options by name, with the SQL each takes. Only declared options are compared with what Snowflake reports,
    /// so the many defaults in SHOW FILE FORMATS never show as changes.
    static let options: [(name: String, type: PropertyType)] = [
        ("compression", .string), ("date_format", .string), ("time_format", .string), ("timestamp_format", .string),
        ("binary_format", .string), ("trim_space", .bool), ("null_if", .list(.string)), ("file_extension", .string),
        ("strip_outer_array", .bool), ("strip_null_values", .bool), ("replace_invalid_characters", .bool),
        ("ignore_utf8_errors", .bool), ("allow_duplicate", .bool), ("enable_octal", .bool),
        ("field_delimiter", .string), ("record_delimiter", .string), ("skip_header", .int), ("parse_header", .bool),
        ("field_optionally_enclosed_by", .string), ("escape", .string), ("escape_unenclosed_field", .string),
        ("empty_field_as_null", .bool), ("error_on_column_count_mismatch", .bool), ("skip_blank_lines", .bool),
        ("encoding", .string), ("binary_as_text", .bool), ("use_logical_type", .bool),
    ]

    public var schema: KindSchema {
        KindSchema(
            name: "snowflake.file_format", summary: "a named file format",
            properties: [
                PropertySchema("schema", .string, required: true, forcesReplacement: true, summary: "DB.SCHEMA, e.g. ${raw}"),
                PropertySchema("name", .string, required: true),
                PropertySchema("format", .enumeration(["JSON", "CSV", "PARQUET", "AVRO", "ORC", "XML"], caseInsensitive: true),
                               required: true, forcesReplacement: true),
                PropertySchema("comment", .string, default: ""),
            ] + Self.options.map { PropertySchema($0.name, $0.type) },
            attributes: [AttributeSchema("qualified_name", .planTime(inputs: ["schema", "name"]))],
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

    static let upperCased: Set<String> = ["format", "compression", "binary_format", "encoding"]

    public func normalize(_ value: Value, property: String) -> Value {
        switch (property, value) {
        case ("name", _): return SnowflakeKindSupport.canonicalName(value)
        case ("schema", _): return SnowflakeKindSupport.canonicalQualified(value)
        case (let p, .string(let s)) where Self.upperCased.contains(p): return .string(s.uppercased())
        default: return value
        }
    }

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        let rows = SnowflakeKindSupport.index(try await sql.show(.fileFormats, about: identities), by: ["database_name", "schema_name", "name"])
        var out: [String: LiveObject] = [:]
        for identity in identities {
            guard let row = rows[identity] else { continue }
            let q = QualifiedName(parsing: identity)
            var properties: [String: Value] = [
                "schema": .string(QualifiedName(Array(q.parts.dropLast())).description),
                "name": .string(q.last.description),
                "format": .string((row["type"] ?? "").uppercased()),
                "comment": .string(row["comment"] ?? ""),
            ]
            if let json = row["format_options"], let data = json.data(using: .utf8),
               let options = try? JSONDecoder().decode([String: Value].self, from: data)
            {
                for (key, value) in options {
                    let name = key.lowercased()
                    guard Self.options.contains(where: { $0.name == name }) else { continue }
                    properties[name] = value
                }
            }
            out[identity] = LiveObject(identity: identity, properties: properties, attributes: ["qualified_name": .string(identity)])
        }
        return out
    }

    static func render(_ value: Value) -> String {
        switch value {
        case .bool(let b): return b ? "TRUE" : "FALSE"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return SnowflakeLiteral.string(s)
        case .list(let l): return "(" + l.map(render).joined(separator: ", ") + ")"
        default: return "NULL"
        }
    }

    func optionClauses(_ p: [String: Value], only names: Set<String>? = nil) -> [String] {
        Self.options.compactMap { option in
            guard names?.contains(option.name) ?? true, let value = p[option.name], value != .null else { return nil }
            return "\(option.name.uppercased()) = \(Self.render(value))"
        }
    }

    public func sendCreate(_ resource: DesiredResource) async throws -> String {
        let p = resource.properties
        let q = qualifiedName(p)!
        let type = (p["format"]?.stringValue ?? "JSON").uppercased()
        let clauses = ["TYPE = \(type)"] + optionClauses(p)
        try await sql.execute(["CREATE FILE FORMAT \(q.sql) " + clauses.joined(separator: " ") + SnowflakeKindSupport.comment(p)])
        return q.description
    }

    public func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String {
        let p = resource.properties
        let q = qualifiedName(p)!
        var clauses = optionClauses(p, only: Set(changes.map(\.property)))
        if changes.contains(where: { $0.property == "comment" }) { clauses.append("COMMENT = \(SnowflakeLiteral.string(p["comment"]?.stringValue ?? ""))") }
        if !clauses.isEmpty { try await sql.execute(["ALTER FILE FORMAT \(q.sql) SET " + clauses.joined(separator: " ")]) }
        return q.description
    }

    public func delete(_ object: LiveObject) async throws {
        try await sql.execute(["DROP FILE FORMAT IF EXISTS \(QualifiedName(parsing: object.identity).sql)"])
    }
}
