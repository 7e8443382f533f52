import Foundation
import InfraEngine

/// `snowflake.storage_integration`: Snowflake's side of the S3 trust. Its `aws_iam_user_arn` and
/// `external_id` exist only once it does, and the IAM role's trust policy needs both; the role's ARN,
/// which the integration needs, is known at plan time. So one apply creates the integration, then the role.
public struct StorageIntegrationKind: BulkReadBackKind {
    let sql: any SQLRunner
    public init(sql: any SQLRunner) { self.sql = sql }

    public var schema: KindSchema {
        KindSchema(
            name: "snowflake.storage_integration", summary: "an S3 storage integration",
            properties: [
                PropertySchema("name", .string, required: true),
                PropertySchema("role_arn", .string, required: true, summary: "the IAM role Snowflake assumes"),
                PropertySchema("allowed_locations", .set(.string), required: true, summary: "s3://bucket/prefix/ locations"),
                PropertySchema("blocked_locations", .set(.string), default: .list([])),
                PropertySchema("external_id", .string, summary: "a preset external ID; Snowflake generates one otherwise"),
                PropertySchema("enabled", .bool, default: true),
                PropertySchema("comment", .string, default: ""),
            ],
            attributes: [
                AttributeSchema("aws_iam_user_arn", .afterApply, summary: "the AWS principal Snowflake uses"),
                AttributeSchema("external_id", .afterApply, summary: "the sts:ExternalId Snowflake sends"),
            ],
            referenceAttribute: "name", identityProperties: ["name"])
    }

    public func identity(of properties: [String: Value]) -> String? { SnowflakeKindSupport.name(properties["name"])?.description }

    public func normalize(_ value: Value, property: String) -> Value {
        switch (property, value) {
        case ("name", _): return SnowflakeKindSupport.canonicalName(value)
        case ("allowed_locations", .list(let l)), ("blocked_locations", .list(let l)):
            return .list(l.map { $0.stringValue.map { .string($0.trimmingCharacters(in: .whitespaces)) } ?? $0 })
        default: return value
        }
    }

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        let rows = SnowflakeKindSupport.index(try await sql.query("SHOW INTEGRATIONS"), by: ["name"])
        let present = identities.filter { rows[$0] != nil && (rows[$0]!["category"] ?? "STORAGE").uppercased() == "STORAGE" }
        guard !present.isEmpty else { return [:] }
        // SHOW lacks the role, locations and IDs: DESC each, all in one request.
        let details = try await sql.queryBatch(present.map { "DESC STORAGE INTEGRATION \(SnowflakeName(parsing: $0).sql)" })
        var out: [String: LiveObject] = [:]
        for (identity, describe) in zip(present, details) {
            var byProperty: [String: String] = [:]
            for row in describe { if let p = row["property"] { byProperty[p.uppercased()] = row["property_value"] ?? "" } }
            func list(_ key: String) -> Value {
                .list((byProperty[key] ?? "").split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 != .string("") })
            }
            let externalID = SnowflakeKindSupport.text(byProperty["STORAGE_AWS_EXTERNAL_ID"])
            out[identity] = LiveObject(identity: identity, properties: [
                "name": .string(identity),
                "role_arn": SnowflakeKindSupport.text(byProperty["STORAGE_AWS_ROLE_ARN"]),
                "allowed_locations": list("STORAGE_ALLOWED_LOCATIONS"),
                "blocked_locations": list("STORAGE_BLOCKED_LOCATIONS"),
                "external_id": externalID,
                "enabled": SnowflakeKindSupport.bool(byProperty["ENABLED"] ?? rows[identity]!["enabled"]),
                "comment": .string(byProperty["COMMENT"] ?? rows[identity]!["comment"] ?? ""),
            ], attributes: [
                "aws_iam_user_arn": SnowflakeKindSupport.text(byProperty["STORAGE_AWS_IAM_USER_ARN"]),
                "external_id": externalID,
            ])
        }
        return out
    }

    static func locations(_ value: Value?) -> String {
        "(" + (value?.listValue ?? []).compactMap(\.stringValue).map(SnowflakeLiteral.string).joined(separator: ", ") + ")"
    }

    public func sendCreate(_ resource: DesiredResource) async throws -> String {
        let p = resource.properties
        let name = SnowflakeKindSupport.name(p["name"])!
        var statement = "CREATE STORAGE INTEGRATION \(name.sql) TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3'"
        statement += " ENABLED = \(p["enabled"]?.boolValue == false ? "FALSE" : "TRUE")"
        statement += " STORAGE_AWS_ROLE_ARN = \(SnowflakeLiteral.string(p["role_arn"]?.stringValue ?? ""))"
        statement += " STORAGE_ALLOWED_LOCATIONS = \(Self.locations(p["allowed_locations"]))"
        if let blocked = p["blocked_locations"]?.listValue, !blocked.isEmpty { statement += " STORAGE_BLOCKED_LOCATIONS = \(Self.locations(p["blocked_locations"]))" }
        if let id = p["external_id"]?.stringValue { statement += " STORAGE_AWS_EXTERNAL_ID = \(SnowflakeLiteral.string(id))" }
        statement += SnowflakeKindSupport.comment(p)
        try await sql.execute([statement])
        return name.description
    }

    public func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String {
        let p = resource.properties
        let name = SnowflakeKindSupport.name(p["name"])!
        var set: [String] = []
        var unset: [String] = []
        for change in changes {
            switch change.property {
            case "role_arn": set.append("STORAGE_AWS_ROLE_ARN = \(SnowflakeLiteral.string(p["role_arn"]?.stringValue ?? ""))")
            case "allowed_locations": set.append("STORAGE_ALLOWED_LOCATIONS = \(Self.locations(p["allowed_locations"]))")
            case "blocked_locations":
                if (p["blocked_locations"]?.listValue ?? []).isEmpty { unset.append("STORAGE_BLOCKED_LOCATIONS") } else {
                    set.append("STORAGE_BLOCKED_LOCATIONS = \(Self.locations(p["blocked_locations"]))")
                }
            case "external_id": if let id = p["external_id"]?.stringValue { set.append("STORAGE_AWS_EXTERNAL_ID = \(SnowflakeLiteral.string(id))") }
            case "enabled": set.append("ENABLED = \(p["enabled"]?.boolValue == false ? "FALSE" : "TRUE")")
            case "comment": set.append("COMMENT = \(SnowflakeLiteral.string(p["comment"]?.stringValue ?? ""))")
            default: break
            }
        }
        var statements: [String] = []
        if !set.isEmpty { statements.append("ALTER STORAGE INTEGRATION \(name.sql) SET " + set.joined(separator: " ")) }
        if !unset.isEmpty { statements.append("ALTER STORAGE INTEGRATION \(name.sql) UNSET " + unset.joined(separator: ", ")) }
        try await sql.execute(statements)
        return name.description
    }

    public func delete(_ object: LiveObject) async throws {
        try await sql.execute(["DROP STORAGE INTEGRATION IF EXISTS \(SnowflakeName(parsing: object.identity).sql)"])
    }
}
