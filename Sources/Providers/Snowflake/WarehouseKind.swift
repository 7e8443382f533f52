import Foundation
import InfraEngine

/// `snowflake.warehouse`: compute for loading and transformation.
public struct WarehouseKind: BulkReadBackKind {
    let sql: any SQLRunner
    public init(sql: any SQLRunner) { self.sql = sql }

    static let sizes = ["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE", "XXLARGE", "XXXLARGE", "X4LARGE", "X5LARGE", "X6LARGE"]

    public var schema: KindSchema {
        KindSchema(
            name: "snowflake.warehouse", summary: "a virtual warehouse",
            properties: [
                PropertySchema("name", .string, required: true),
                PropertySchema("size", .enumeration(Self.sizes + ["X-SMALL", "X-LARGE", "2X-LARGE", "3X-LARGE", "4X-LARGE"], caseInsensitive: true),
                               default: "XSMALL"),
                PropertySchema("auto_suspend", .int, default: 600, summary: "seconds idle before suspending; 0 never"),
                PropertySchema("auto_resume", .bool, default: true),
                PropertySchema("initially_suspended", .bool, default: true, createOnly: true),
                PropertySchema("scaling_policy", .enumeration(["STANDARD", "ECONOMY"], caseInsensitive: true), default: "STANDARD"),
                PropertySchema("min_cluster_count", .int, default: 1),
                PropertySchema("max_cluster_count", .int, default: 1),
                PropertySchema("comment", .string, default: ""),
            ],
            attributes: [], referenceAttribute: "name", identityProperties: ["name"])
    }

    public func identity(of properties: [String: Value]) -> String? { SnowflakeKindSupport.name(properties["name"])?.description }

    /// SHOW WAREHOUSES says "X-Small" and "2X-Large"; the stack may say xsmall or X-SMALL: all mean XSMALL.
    static func canonicalSize(_ text: String) -> String {
        let compact = text.uppercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: " ", with: "")
        switch compact {
        case "2XLARGE": return "XXLARGE"
        case "3XLARGE": return "XXXLARGE"
        case "4XLARGE": return "X4LARGE"
        case "5XLARGE": return "X5LARGE"
        case "6XLARGE": return "X6LARGE"
        default: return compact
        }
    }

    public func normalize(_ value: Value, property: String) -> Value {
        switch (property, value) {
        case ("name", _): return SnowflakeKindSupport.canonicalName(value)
        case ("size", .string(let s)): return .string(Self.canonicalSize(s))
        case ("scaling_policy", .string(let s)): return .string(s.uppercased())
        default: return value
        }
    }

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        let rows = SnowflakeKindSupport.index(try await sql.query("SHOW WAREHOUSES"), by: ["name"])
        var out: [String: LiveObject] = [:]
        for identity in identities {
            guard let row = rows[identity] else { continue }
            out[identity] = LiveObject(identity: identity, properties: [
                "name": .string(identity),
                "size": .string(Self.canonicalSize(row["size"] ?? "")),
                "auto_suspend": row["auto_suspend"].flatMap(Int.init).map(Value.int) ?? .int(0),
                "auto_resume": SnowflakeKindSupport.bool(row["auto_resume"]),
                "scaling_policy": .string((row["scaling_policy"] ?? "STANDARD").uppercased()),
                "min_cluster_count": SnowflakeKindSupport.int(row["min_cluster_count"]),
                "max_cluster_count": SnowflakeKindSupport.int(row["max_cluster_count"]),
                "comment": .string(row["comment"] ?? ""),
            ], attributes: ["state": SnowflakeKindSupport.text(row["state"])])
        }
        return out
    }

    func settings(_ p: [String: Value], only names: Set<String>? = nil) -> [String] {
        var out: [String] = []
        func wanted(_ n: String) -> Bool { names?.contains(n) ?? true }
        if wanted("size"), let s = p["size"]?.stringValue { out.append("WAREHOUSE_SIZE = \(SnowflakeLiteral.string(Self.canonicalSize(s)))") }
        if wanted("auto_suspend"), let v = p["auto_suspend"]?.intValue { out.append("AUTO_SUSPEND = \(v)") }
        if wanted("auto_resume"), let v = p["auto_resume"]?.boolValue { out.append("AUTO_RESUME = \(v ? "TRUE" : "FALSE")") }
        if wanted("scaling_policy"), let v = p["scaling_policy"]?.stringValue { out.append("SCALING_POLICY = \(SnowflakeLiteral.string(v.uppercased()))") }
        if wanted("min_cluster_count"), let v = p["min_cluster_count"]?.intValue { out.append("MIN_CLUSTER_COUNT = \(v)") }
        if wanted("max_cluster_count"), let v = p["max_cluster_count"]?.intValue { out.append("MAX_CLUSTER_COUNT = \(v)") }
        if wanted("comment"), let v = p["comment"]?.stringValue { out.append("COMMENT = \(SnowflakeLiteral.string(v))") }
        return out
    }

    public func sendCreate(_ resource: DesiredResource) async throws -> String {
        let p = resource.properties
        let name = SnowflakeKindSupport.name(p["name"])!
        var options = settings(p)
        if let v = p["initially_suspended"]?.boolValue { options.append("INITIALLY_SUSPENDED = \(v ? "TRUE" : "FALSE")") }
        try await sql.execute(["CREATE WAREHOUSE \(name.sql) WITH " + options.joined(separator: " ")])
        return name.description
    }

    public func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String {
        let name = SnowflakeKindSupport.name(resource.properties["name"])!
        let options = settings(resource.properties, only: Set(changes.map(\.property)))
        if !options.isEmpty { try await sql.execute(["ALTER WAREHOUSE \(name.sql) SET " + options.joined(separator: " ")]) }
        return name.description
    }

    public func delete(_ object: LiveObject) async throws {
        try await sql.execute(["DROP WAREHOUSE IF EXISTS \(SnowflakeName(parsing: object.identity).sql)"])
    }
}
