import Foundation
import InfraEngine

/// `snowflake.database`: dev and prod databases, named per environment from vars.
public struct DatabaseKind: BulkReadBackKind {
    let sql: any SQLRunner
    public init(sql: any SQLRunner) { self.sql = sql }

    public var schema: KindSchema {
        KindSchema(
            name: "snowflake.database", summary: "a Snowflake database",
            properties: [
                PropertySchema("name", .string, required: true),
                PropertySchema("comment", .string, default: ""),
                PropertySchema("data_retention_time_in_days", .int, summary: "Time Travel retention; account default when left out"),
                PropertySchema("transient", .bool, default: false, forcesReplacement: true),
            ],
            attributes: [], referenceAttribute: "name", identityProperties: ["name"])
    }

    public func identity(of properties: [String: Value]) -> String? { SnowflakeKindSupport.name(properties["name"])?.description }

    public func normalize(_ value: Value, property: String) -> Value {
        property == "name" ? SnowflakeKindSupport.canonicalName(value) : value
    }

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        let rows = SnowflakeKindSupport.index(try await sql.show(.databases, about: identities), by: ["name"])
        var out: [String: LiveObject] = [:]
        for identity in identities {
            guard let row = rows[identity], row["kind"].map({ $0.uppercased() != "IMPORTED DATABASE" }) ?? true else { continue }
            out[identity] = LiveObject(identity: identity, properties: [
                "name": .string(identity),
                "comment": .string(row["comment"] ?? ""),
                "data_retention_time_in_days": SnowflakeKindSupport.int(row["retention_time"]),
                "transient": .bool((row["options"] ?? "").uppercased().contains("TRANSIENT")),
            ])
        }
        return out
    }

    public func sendCreate(_ resource: DesiredResource) async throws -> String {
        let p = resource.properties
        let name = SnowflakeKindSupport.name(p["name"])!
        var statement = "CREATE \(p["transient"]?.boolValue == true ? "TRANSIENT " : "")DATABASE \(name.sql)"
        if let days = p["data_retention_time_in_days"]?.intValue { statement += " DATA_RETENTION_TIME_IN_DAYS = \(days)" }
        statement += SnowflakeKindSupport.comment(p)
        try await sql.execute([statement])
        return name.description
    }

    public func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String {
        let name = SnowflakeKindSupport.name(resource.properties["name"])!
        var statements: [String] = []
        for change in changes {
            switch change.property {
            case "comment":
                let text = change.after?.stringValue ?? ""
                statements.append(text.isEmpty ? "ALTER DATABASE \(name.sql) UNSET COMMENT"
                                  : "ALTER DATABASE \(name.sql) SET COMMENT = \(SnowflakeLiteral.string(text))")
            case "data_retention_time_in_days":
                if let days = change.after?.intValue { statements.append("ALTER DATABASE \(name.sql) SET DATA_RETENTION_TIME_IN_DAYS = \(days)") }
            default: break
            }
        }
        try await sql.execute(statements)
        return name.description
    }

    public func delete(_ object: LiveObject) async throws {
        try await sql.execute(["DROP DATABASE IF EXISTS \(QualifiedName(parsing: object.identity).sql)"])
    }
}

public struct SnowflakeProviderError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
