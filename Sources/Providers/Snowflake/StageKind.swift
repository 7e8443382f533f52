import Foundation
import InfraEngine

/// `snowflake.stage`: an external S3 stage through a storage integration, or an internal stage.
public struct StageKind: BulkReadBackKind {
    let sql: any SQLRunner
    public init(sql: any SQLRunner) { self.sql = sql }

    public var schema: KindSchema {
        KindSchema(
            name: "snowflake.stage", summary: "an external (S3) or internal stage",
            properties: [
                PropertySchema("schema", .string, required: true, forcesReplacement: true),
                PropertySchema("name", .string, required: true),
                PropertySchema("url", .string, summary: "s3://bucket/prefix/; leave out for an internal stage"),
                PropertySchema("storage_integration", .string),
                PropertySchema("file_format", .string, summary: "a file format's qualified name, e.g. ${json_gzip}"),
                PropertySchema("comment", .string, default: ""),
            ],
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

    /// A URL that switches between internal and external cannot change in place.
    public func requiresReplacement(_ property: String, from before: Value?, to after: Value) -> Bool {
        property == "url" && ((before ?? .null) == .null) != (after == .null)
    }

    public func normalize(_ value: Value, property: String) -> Value {
        switch property {
        case "name", "storage_integration": return SnowflakeKindSupport.canonicalName(value)
        case "schema", "file_format": return SnowflakeKindSupport.canonicalQualified(value)
        default: return value
        }
    }

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        let rows = SnowflakeKindSupport.index(try await sql.show(.stages, about: identities), by: ["database_name", "schema_name", "name"])
        let present = identities.filter { rows[$0] != nil }
        guard !present.isEmpty else { return [:] }
        // SHOW lacks the file format: DESC each stage, all in one request.
        let details = try await sql.queryBatch(present.map { "DESC STAGE \(QualifiedName(parsing: $0).sql)" })
        var out: [String: LiveObject] = [:]
        for (identity, describe) in zip(present, details) {
            let row = rows[identity]!
            let q = QualifiedName(parsing: identity)
            // DESC shows the name's quotes escaped (`\"DB\".\"S\".\"F\"`, as SnowDDL's stage resolver finds).
            let formatName = describe.first { ($0["parent_property"] ?? "").uppercased() == "STAGE_FILE_FORMAT" && ($0["property"] ?? "").uppercased() == "FORMAT_NAME" }?["property_value"]
                .map { $0.replacingOccurrences(of: "\\\"", with: "\"") }
            let url = (row["url"] ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "[]\" "))
            out[identity] = LiveObject(identity: identity, properties: [
                "schema": .string(QualifiedName(Array(q.parts.dropLast())).description),
                "name": .string(q.last.description),
                "url": url.isEmpty ? .null : .string(url),
                "storage_integration": (row["storage_integration"]).flatMap { $0.isEmpty ? nil : Value.string(SnowflakeName(stored: $0).description) } ?? .null,
                "file_format": formatName.flatMap { $0.isEmpty ? nil : Value.string(QualifiedName(parsing: $0).description) } ?? .null,
                "comment": .string(row["comment"] ?? ""),
            ], attributes: ["qualified_name": .string(identity), "type": SnowflakeKindSupport.text(row["type"])])
        }
        return out
    }

    func clauses(_ p: [String: Value], only names: Set<String>? = nil) -> [String] {
        var out: [String] = []
        func wanted(_ n: String) -> Bool { names?.contains(n) ?? true }
        if wanted("url"), let url = p["url"]?.stringValue { out.append("URL = \(SnowflakeLiteral.string(url))") }
        if wanted("storage_integration"), let integration = SnowflakeKindSupport.name(p["storage_integration"]) {
            out.append("STORAGE_INTEGRATION = \(integration.sql)")
        }
        if wanted("file_format"), let format = SnowflakeKindSupport.qualified(p["file_format"]) {
            out.append("FILE_FORMAT = (FORMAT_NAME = \(SnowflakeLiteral.string(format.sql)))")
        }
        if wanted("comment"), names != nil || !(p["comment"]?.stringValue ?? "").isEmpty {
            out.append("COMMENT = \(SnowflakeLiteral.string(p["comment"]?.stringValue ?? ""))")
        }
        return out
    }

    public func sendCreate(_ resource: DesiredResource) async throws -> String {
        let q = qualifiedName(resource.properties)!
        try await sql.execute(["CREATE STAGE \(q.sql) " + clauses(resource.properties).joined(separator: " ")])
        return q.description
    }

    public func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String {
        let q = qualifiedName(resource.properties)!
        let set = clauses(resource.properties, only: Set(changes.map(\.property)))
        if !set.isEmpty { try await sql.execute(["ALTER STAGE \(q.sql) SET " + set.joined(separator: " ")]) }
        return q.description
    }

    public func delete(_ object: LiveObject) async throws {
        try await sql.execute(["DROP STAGE IF EXISTS \(QualifiedName(parsing: object.identity).sql)"])
    }
}
