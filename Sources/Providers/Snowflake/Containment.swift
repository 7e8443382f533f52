import Foundation
import InfraEngine

// Where Snowflake objects live, what is inside a database or schema, and what a table holds: what the plan needs
// to show a container's replacement in full and to name the data a plan destroys.

/// Every Snowflake kind accepts an import id as users write names: `sales_dev.raw` is `SALES_DEV.RAW`.
extension DatabaseKind: IdentityNormalizingKind {}
extension SchemaKind: IdentityNormalizingKind {}
extension TableKind: IdentityNormalizingKind {}
extension StageKind: IdentityNormalizingKind {}
extension FileFormatKind: IdentityNormalizingKind {}
extension PipeKind: IdentityNormalizingKind {}
extension ExternalTableKind: IdentityNormalizingKind {}
extension WarehouseKind: IdentityNormalizingKind {}
extension StorageIntegrationKind: IdentityNormalizingKind {}
extension DatabaseRoleKind: IdentityNormalizingKind {}

extension IdentityNormalizingKind where Self: ResourceKind {
    public func canonicalIdentity(_ id: String) -> String { QualifiedName(parsing: id).description }
}

/// A schema lives in its database; tables, stages, formats, pipes and external tables in their schema.
protocol SchemaObjectKind: ContainedKind {}
extension SchemaObjectKind {
    public func container(of identity: String) -> ContainerReference? {
        let q = QualifiedName(parsing: identity)
        guard q.parts.count == 3 else { return nil }
        return ContainerReference(kind: "snowflake.schema", identity: QualifiedName(Array(q.parts.prefix(2))).description)
    }
}
extension TableKind: SchemaObjectKind {}
extension StageKind: SchemaObjectKind {}
extension FileFormatKind: SchemaObjectKind {}
extension PipeKind: SchemaObjectKind {}
extension ExternalTableKind: SchemaObjectKind {}

extension SchemaKind: ContainedKind {
    public func container(of identity: String) -> ContainerReference? {
        let q = QualifiedName(parsing: identity)
        guard q.parts.count == 2 else { return nil }
        return ContainerReference(kind: "snowflake.database", identity: q.parts[0].description)
    }
}

/// A database role lives in its database and goes with it.
extension DatabaseRoleKind: ContainedKind {
    public func container(of identity: String) -> ContainerReference? {
        let q = QualifiedName(parsing: identity)
        guard q.parts.count == 2 else { return nil }
        return ContainerReference(kind: "snowflake.database", identity: q.parts[0].description)
    }
}

extension SchemaKind: ContainerKind {
    public func contents(of identities: [String]) async throws -> [String: [ContainedObject]] {
        var out: [String: [ContainedObject]] = [:]
        for identity in identities {
            out[identity] = try await SnowflakeContents.list(sql, scope: "SCHEMA \(QualifiedName(parsing: identity).sql)")
        }
        return out
    }
}

extension DatabaseKind: ContainerKind {
    public func contents(of identities: [String]) async throws -> [String: [ContainedObject]] {
        var out: [String: [ContainedObject]] = [:]
        for identity in identities {
            let scope = "DATABASE \(QualifiedName(parsing: identity).sql)"
            // PUBLIC and INFORMATION_SCHEMA come with every database: what is inside PUBLIC is listed, not PUBLIC itself.
            let schemas = try await sql.query("SHOW SCHEMAS IN \(scope)").compactMap { row -> ContainedObject? in
                guard let name = row["name"], !["INFORMATION_SCHEMA", "PUBLIC"].contains(name) else { return nil }
                return ContainedObject(type: "schema", identity: QualifiedName([SnowflakeName(stored: row["database_name"] ?? identity),
                                                                                SnowflakeName(stored: name)]).description)
            }
            // Its database roles go with it too (docs: drop-database).
            let roles = try await sql.query("SHOW DATABASE ROLES IN \(scope)").compactMap { row -> ContainedObject? in
                guard let name = row["name"] else { return nil }
                return ContainedObject(type: "database_role", identity: QualifiedName([SnowflakeName(parsing: identity), SnowflakeName(stored: name)]).description)
            }
            out[identity] = schemas + roles + (try await SnowflakeContents.list(sql, scope: scope))
        }
        return out
    }
}

extension TableKind: DataHoldingKind {
    /// SHOW TABLES reports rows and bytes from metadata: no scan, one statement per schema involved.
    public func storedData(_ identities: [String]) async throws -> [String: StoredData] {
        let bySchema = Dictionary(grouping: identities) { QualifiedName(Array(QualifiedName(parsing: $0).parts.prefix(2))).sql }
        var out: [String: StoredData] = [:]
        for (schema, wanted) in bySchema {
            let rows = SnowflakeKindSupport.index(try await sql.query("SHOW TABLES IN SCHEMA \(schema)"), by: ["database_name", "schema_name", "name"])
            for identity in wanted {
                guard let row = rows[identity] else { continue }
                out[identity] = SnowflakeContents.data(row)
            }
        }
        return out
    }
}

enum SnowflakeContents {
    /// The object kinds a schema holds that infra knows, as (SHOW noun, short type).
    static let listed: [(show: String, type: String)] = [
        ("TABLES", "table"), ("EXTERNAL TABLES", "external_table"), ("STAGES", "stage"), ("FILE FORMATS", "file_format"), ("PIPES", "pipe"),
    ]

    static func list(_ sql: any SQLRunner, scope: String) async throws -> [ContainedObject] {
        var out: [ContainedObject] = []
        try await withThrowingTaskGroup(of: [ContainedObject].self) { group in
            for (show, type) in listed {
                group.addTask {
                    try await sql.query("SHOW \(show) IN \(scope)").compactMap { row in
                        guard let db = row["database_name"], let schema = row["schema_name"], let name = row["name"] else { return nil }
                        // SHOW TABLES also lists external tables on some accounts: they are counted once, as external tables.
                        if type == "table", (row["is_external"] ?? "N").uppercased() == "Y" { return nil }
                        let identity = QualifiedName([db, schema, name].map(SnowflakeName.init(stored:))).description
                        return ContainedObject(type: type, identity: identity, data: type == "table" ? data(row) : nil)
                    }
                }
            }
            for try await objects in group { out += objects }
        }
        return out.sorted { ($0.identity, $0.type) < ($1.identity, $1.type) }
    }

    static func data(_ row: SQLRow) -> StoredData {
        StoredData(rows: row["rows"].flatMap { Int($0) } ?? 0, bytes: row["bytes"].flatMap { Int($0) })
    }
}
