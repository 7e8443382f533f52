import Foundation
import InfraEngine

/// `snowflake.database_role`: a role that lives in a database and holds privileges on that database's objects
/// only (docs: user-guide/security-access-control-overview, "Database roles"). It cannot be a session's role: it is
/// granted to account roles (or to other database roles of its database). `${role}` stands for `DB.ROLE`.
public struct DatabaseRoleKind: BulkReadBackKind {
    let sql: any SQLRunner
    public init(sql: any SQLRunner) { self.sql = sql }

    public var schema: KindSchema {
        KindSchema(
            name: "snowflake.database_role", summary: "a role inside a database, for privileges on that database's objects",
            properties: [
                PropertySchema("database", .string, required: true, forcesReplacement: true),
                PropertySchema("name", .string, required: true),
                PropertySchema("comment", .string, default: ""),
            ],
            attributes: [AttributeSchema("qualified_name", .planTime(inputs: ["database", "name"]))],
            referenceAttribute: "qualified_name", identityProperties: ["database", "name"])
    }

    func qualifiedName(_ p: [String: Value]) -> QualifiedName? {
        guard let db = SnowflakeKindSupport.name(p["database"]), let name = SnowflakeKindSupport.name(p["name"]) else { return nil }
        return QualifiedName([db, name])
    }

    public func identity(of properties: [String: Value]) -> String? { qualifiedName(properties)?.description }

    public func plannedAttributes(_ properties: [String: Value], context: PlanningContext) -> [String: Value] {
        qualifiedName(properties).map { ["qualified_name": .string($0.description)] } ?? [:]
    }

    public func normalize(_ value: Value, property: String) -> Value {
        switch property {
        case "name", "database": return SnowflakeKindSupport.canonicalName(value)
        default: return value
        }
    }

    /// One `SHOW DATABASE ROLES IN DATABASE` per database involved, in one request (concurrently without a
    /// warehouse); a database that does not exist holds none.
    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        let byDatabase = Dictionary(grouping: identities) { QualifiedName(parsing: $0).parts[0] }
        let databases = byDatabase.keys.sorted { $0.stored < $1.stored }
        let listed = try await Self.databaseRoles(in: databases, sql: sql)
        var out: [String: LiveObject] = [:]
        for database in databases {
            guard let rows = listed[database] else { continue }
            let byName = Dictionary(rows.map { (SnowflakeName(stored: $0["name"] ?? ""), $0) }, uniquingKeysWith: { a, _ in a })
            for identity in byDatabase[database]! {
                let q = QualifiedName(parsing: identity)
                guard let row = byName[q.last] else { continue }
                out[identity] = LiveObject(identity: identity, properties: [
                    "database": .string(database.description),
                    "name": .string(q.last.description),
                    "comment": .string(row["comment"] ?? ""),
                ], attributes: ["qualified_name": .string(identity), "owner": SnowflakeKindSupport.text(row["owner"])])
            }
        }
        return out
    }

    /// The database roles of each database, by database; databases that do not exist are left out.
    static func databaseRoles(in databases: [SnowflakeName], sql: any SQLRunner) async throws -> [SnowflakeName: [SQLRow]] {
        try await SnowflakeKindSupport.rowsUnlessMissing(
            Dictionary(uniqueKeysWithValues: databases.map { ($0, "SHOW DATABASE ROLES IN DATABASE \($0.sql)") }), sql: sql)
    }

    public func sendCreate(_ resource: DesiredResource) async throws -> String {
        let name = qualifiedName(resource.properties)!
        try await sql.execute(["CREATE DATABASE ROLE \(name.sql)" + SnowflakeKindSupport.comment(resource.properties)])
        return name.description
    }

    public func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String {
        let name = qualifiedName(resource.properties)!
        if changes.contains(where: { $0.property == "comment" }) {
            try await sql.execute([SnowflakeKindSupport.commentStatement("DATABASE ROLE \(name.sql)", resource.properties)])
        }
        return name.description
    }

    public func delete(_ object: LiveObject) async throws {
        try await sql.execute(["DROP DATABASE ROLE IF EXISTS \(QualifiedName(parsing: object.identity).sql)"])
    }
}
