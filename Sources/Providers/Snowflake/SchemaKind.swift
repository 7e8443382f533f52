import Foundation
import InfraEngine

/// `snowflake.schema`: RAW, TRANSFORM, MART… inside a database. `${schema}` stands for `DB.SCHEMA`.
public struct SchemaKind: BulkReadBackKind {
    let sql: any SQLRunner
    public init(sql: any SQLRunner) { self.sql = sql }

    public var schema: KindSchema {
        KindSchema(
            name: "snowflake.schema", summary: "a schema in a database",
            properties: [
                PropertySchema("database", .string, required: true, forcesReplacement: true),
                PropertySchema("name", .string, required: true),
                PropertySchema("comment", .string, default: ""),
                PropertySchema("data_retention_time_in_days", .int),
                PropertySchema("managed_access", .bool, default: false),
                PropertySchema("transient", .bool, default: false, forcesReplacement: true),
            ],
            attributes: [AttributeSchema("qualified_name", .planTime(inputs: ["database", "name"]))],
            referenceAttribute: "qualified_name", identityProperties: ["database", "name"])
    }

    func qualifiedName(_ p: [String: Value]) -> QualifiedName? {
        guard let db = SnowflakeKindSupport.qualified(p["database"]), let name = SnowflakeKindSupport.name(p["name"]) else { return nil }
        return db.appending(name)
    }

    public func identity(of properties: [String: Value]) -> String? { qualifiedName(properties)?.description }

    public func plannedAttributes(_ properties: [String: Value], context: PlanningContext) -> [String: Value] {
        qualifiedName(properties).map { ["qualified_name": .string($0.description)] } ?? [:]
    }

    public func normalize(_ value: Value, property: String) -> Value {
        switch property {
        case "name": return SnowflakeKindSupport.canonicalName(value)
        case "database": return SnowflakeKindSupport.canonicalQualified(value)
        default: return value
        }
    }

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        let rows = SnowflakeKindSupport.index(try await sql.show(.schemas, about: identities), by: ["database_name", "name"])
        var out: [String: LiveObject] = [:]
        for identity in identities {
            guard let row = rows[identity] else { continue }
            let q = QualifiedName(parsing: identity)
            let options = (row["options"] ?? "").uppercased()
            out[identity] = LiveObject(identity: identity, properties: [
                "database": .string(QualifiedName(Array(q.parts.dropLast())).description),
                "name": .string(q.last.description),
                "comment": .string(row["comment"] ?? ""),
                "data_retention_time_in_days": SnowflakeKindSupport.int(row["retention_time"]),
                "managed_access": .bool(options.contains("MANAGED ACCESS")),
                "transient": .bool(options.contains("TRANSIENT")),
            ], attributes: ["qualified_name": .string(identity)])
        }
        return out
    }

    public func sendCreate(_ resource: DesiredResource) async throws -> String {
        let p = resource.properties
        let q = qualifiedName(p)!
        var statement = "CREATE \(p["transient"]?.boolValue == true ? "TRANSIENT " : "")SCHEMA \(q.sql)"
        if p["managed_access"]?.boolValue == true { statement += " WITH MANAGED ACCESS" }
        if let days = p["data_retention_time_in_days"]?.intValue { statement += " DATA_RETENTION_TIME_IN_DAYS = \(days)" }
        statement += SnowflakeKindSupport.comment(p)
        try await sql.execute([statement])
        return q.description
    }

    public func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String {
        let q = qualifiedName(resource.properties)!
        var statements: [String] = []
        for change in changes {
            switch change.property {
            case "comment":
                let text = change.after?.stringValue ?? ""
                statements.append(text.isEmpty ? "ALTER SCHEMA \(q.sql) UNSET COMMENT" : "ALTER SCHEMA \(q.sql) SET COMMENT = \(SnowflakeLiteral.string(text))")
            case "data_retention_time_in_days":
                if let days = change.after?.intValue { statements.append("ALTER SCHEMA \(q.sql) SET DATA_RETENTION_TIME_IN_DAYS = \(days)") }
            case "managed_access":
                statements.append("ALTER SCHEMA \(q.sql) \(change.after?.boolValue == true ? "ENABLE" : "DISABLE") MANAGED ACCESS")
            default: break
            }
        }
        try await sql.execute(statements)
        return q.description
    }

    public func delete(_ object: LiveObject) async throws {
        try await sql.execute(["DROP SCHEMA IF EXISTS \(QualifiedName(parsing: object.identity).sql)"])
    }
}
