import Foundation
import InfraEngine

/// `snowflake.role`: an account role (LOADER, TRANSFORMER, READER…) that grants are given to.
/// `${role}` stands for its name.
public struct RoleKind: BulkReadBackKind, IdentityNormalizingKind {
    let sql: any SQLRunner
    public init(sql: any SQLRunner) { self.sql = sql }

    public var schema: KindSchema {
        KindSchema(
            name: "snowflake.role", summary: "an account role, to which privileges and other roles are granted",
            properties: [
                PropertySchema("name", .string, required: true),
                PropertySchema("comment", .string, default: ""),
            ],
            attributes: [], referenceAttribute: "name", identityProperties: ["name"])
    }

    public func identity(of properties: [String: Value]) -> String? { SnowflakeKindSupport.name(properties["name"])?.description }
    public func canonicalIdentity(_ id: String) -> String { SnowflakeName(parsing: id).description }

    public func normalize(_ value: Value, property: String) -> Value {
        property == "name" ? SnowflakeKindSupport.canonicalName(value) : value
    }

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        // SHOW ROLES lists the account's roles; the system roles are there too, so a stack may name them
        // only through import (ownership checks refuse to adopt them silently).
        let rows = SnowflakeKindSupport.index(try await sql.query("SHOW ROLES"), by: ["name"])
        var out: [String: LiveObject] = [:]
        for identity in identities {
            guard let row = rows[identity] else { continue }
            out[identity] = LiveObject(identity: identity, properties: [
                "name": .string(identity),
                "comment": .string(row["comment"] ?? ""),
            ], attributes: ["owner": SnowflakeKindSupport.text(row["owner"])])
        }
        return out
    }

    public func sendCreate(_ resource: DesiredResource) async throws -> String {
        let name = SnowflakeKindSupport.name(resource.properties["name"])!
        try await sql.execute(["CREATE ROLE \(name.sql)" + SnowflakeKindSupport.comment(resource.properties)])
        return name.description
    }

    public func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String {
        let name = SnowflakeKindSupport.name(resource.properties["name"])!
        if changes.contains(where: { $0.property == "comment" }) {
            try await sql.execute([SnowflakeKindSupport.commentStatement("ROLE \(name.sql)", resource.properties)])
        }
        return name.description
    }

    public func delete(_ object: LiveObject) async throws {
        try await sql.execute(["DROP ROLE IF EXISTS \(SnowflakeName(parsing: object.identity).sql)"])
    }

}
