import Foundation
import InfraEngine

/// `snowflake.table`: the raw landing tables. Columns added, dropped, widened, re-commented or made
/// (not) nullable change in place; any other column change replaces the table, and the plan says so.
public struct TableKind: BulkReadBackKind {
    let sql: any SQLRunner
    public init(sql: any SQLRunner) { self.sql = sql }

    static let columnFields: [PropertySchema] = [
        PropertySchema("name", .string, required: true),
        PropertySchema("type", .checked(ColumnType.check), required: true),
        PropertySchema("nullable", .bool, default: true),
        PropertySchema("default", .string),
        PropertySchema("comment", .string, default: ""),
    ]

    public var schema: KindSchema {
        KindSchema(
            name: "snowflake.table", summary: "a table",
            properties: [
                PropertySchema("schema", .string, required: true, forcesReplacement: true),
                PropertySchema("name", .string, required: true),
                PropertySchema("columns", .list(.object(Self.columnFields)), required: true),
                PropertySchema("primary_key", .list(.string), default: .list([])),
                PropertySchema("cluster_by", .list(.string), default: .list([])),
                PropertySchema("transient", .bool, default: false, forcesReplacement: true),
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

    public func normalize(_ value: Value, property: String) -> Value {
        switch (property, value) {
        case ("name", _): return SnowflakeKindSupport.canonicalName(value)
        case ("schema", _): return SnowflakeKindSupport.canonicalQualified(value)
        case ("primary_key", .list(let l)): return .list(l.map(SnowflakeKindSupport.canonicalName))
        case ("cluster_by", .list(let l)): return .list(l.map(SnowflakeKindSupport.canonicalName))
        case ("columns", .list(let columns)): return .list(columns.map(Self.normalizeColumn))
        default: return value
        }
    }

    /// A PRIMARY KEY implies NOT NULL (docs: constraints-overview): Snowflake reports key columns as not null
    /// whatever the column said, so the desired columns say so too.
    public func impliedProperties(_ properties: [String: Value]) -> [String: Value] {
        guard let keys = properties["primary_key"]?.listValue, !keys.isEmpty, case .list(let columns)? = properties["columns"] else { return properties }
        let keyNames = Set(keys.compactMap(\.stringValue).map { SnowflakeName(parsing: $0) })
        var out = properties
        out["columns"] = .list(columns.map { column in
            guard case .map(var c) = column, let name = c["name"]?.stringValue, keyNames.contains(SnowflakeName(parsing: name)) else { return column }
            c["nullable"] = .bool(false)
            return .map(c)
        })
        return out
    }

    /// `LINEAR(ID, "Mixed")` from SHOW TABLES as key names: a quoted key reads back quoted, an unquoted one
    /// bare (Terraform provider's table and materialized-view integration tests), so each is parsed as an identifier.
    static func clusterKeys(showing text: String) -> [Value] {
        var inner = text.trimmingCharacters(in: .whitespaces)
        if inner.uppercased().hasPrefix("LINEAR("), inner.hasSuffix(")") { inner = String(inner.dropFirst(7).dropLast()) }
        var keys: [String] = [], current = "", quoted = false
        for c in inner {
            if c == "\"" { quoted.toggle() }
            if c == ",", !quoted { keys.append(current); current = "" } else { current.append(c) }
        }
        keys.append(current)
        return keys.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { .string(SnowflakeName(parsing: $0).description) }
    }

    /// Niladic functions read the same with or without `()` (Snowflake shows `CURRENT_TIMESTAMP()`; other
    /// tools and older accounts show `CURRENT_TIMESTAMP`); identifiers in a default are case-insensitive.
    static func canonicalDefault(_ text: String) -> String {
        let d = text.trimmingCharacters(in: .whitespaces)
        if d.hasPrefix("'") { return SnowflakeLiteral.canonical(d) ?? d }
        let upper = d.uppercased()
        for niladic in ["CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIMESTAMP", "LOCALTIME", "SYSDATE", "SYSTIMESTAMP"]
        where upper == niladic || upper == niladic + "()" {
            return niladic + "()"
        }
        return upper
    }

    static func normalizeColumn(_ column: Value) -> Value {
        guard case .map(var c) = column else { return column }
        if let name = c["name"] { c["name"] = SnowflakeKindSupport.canonicalName(name) }
        if let type = c["type"]?.stringValue { c["type"] = .string(ColumnType.canonical(type)) }
        if c["nullable"] == nil || c["nullable"] == .null { c["nullable"] = .bool(true) }
        if let d = c["default"]?.stringValue { c["default"] = .string(Self.canonicalDefault(d)) } else { c["default"] = .null }
        if c["comment"] == nil || c["comment"] == .null { c["comment"] = .string("") }
        return .map(c)
    }

    static func columns(_ value: Value?) -> [[String: Value]] {
        (value?.listValue ?? []).compactMap { normalizeColumn($0).mapValue }
    }

    /// Columns keep their order; a new column can only be added at the end, and a type may only widen.
    public func requiresReplacement(_ property: String, from before: Value?, to after: Value) -> Bool {
        guard property == "columns", let before else { return schema.property(property)?.forcesReplacement ?? false }
        let old = Self.columns(before), new = Self.columns(after)
        let oldNames = old.map { $0["name"]! }, newNames = new.map { $0["name"]! }
        let kept = newNames.filter { oldNames.contains($0) }
        if kept != oldNames.filter({ newNames.contains($0) }) { return true }
        if let firstAdded = newNames.firstIndex(where: { !oldNames.contains($0) }), newNames[firstAdded...].contains(where: { oldNames.contains($0) }) {
            return true
        }
        for column in new {
            guard let previous = old.first(where: { $0["name"] == column["name"] }) else {
                // "Cannot add column … with non-constant default to non-empty table": Snowflake cannot fill
                // existing rows from CURRENT_TIMESTAMP() and the like, so the plan replaces the table rather
                // than fail halfway through an apply. Without a default, or with a constant one, it is in place.
                if let d = column["default"]?.stringValue, !ColumnType.isConstantDefault(d) { return true }
                continue
            }
            if !ColumnType.canAlter(from: previous["type"]?.stringValue ?? "", to: column["type"]?.stringValue ?? "") { return true }
            if previous["default"] != column["default"] { return true }
        }
        return false
    }

    public func replacementExplanation(_ property: String, from before: Value?, to after: Value) -> String? {
        guard property == "columns", let before else { return nil }
        let old = Set(Self.columns(before).compactMap { $0["name"] })
        guard let added = Self.columns(after).first(where: { column in
            !old.contains(column["name"] ?? .null) && column["default"]?.stringValue.map { !ColumnType.isConstantDefault($0) } == true
        }) else { return nil }
        return "Snowflake cannot add column \(added["name"]?.stringValue ?? "") with the non-constant default \(added["default"]?.stringValue ?? "") "
            + "to a table that has rows (\"Cannot add column … with non-constant default to non-empty table\"), so the table "
            + "would be created again, empty; to keep it and its rows, add the column without a default or with a constant one"
    }

    public func read(_ identities: [String]) async throws -> [String: LiveObject] { try await read(identities, schema: nil) }

    /// Tables written in one schema are read back with the three SHOWs narrowed to it.
    public func readBack(_ identities: [String]) async throws -> [String: LiveObject] {
        let schemas = Set(identities.map { QualifiedName(Array(QualifiedName(parsing: $0).parts.dropLast())) })
        return try await read(identities, schema: schemas.count == 1 ? schemas.first : nil)
    }

    /// `schema` narrows the three SHOWs (a read-back), so applying tables does not list the whole account.
    func read(_ identities: [String], schema: QualifiedName?) async throws -> [String: LiveObject] {
        let rows = SnowflakeKindSupport.index(try await sql.show(.tables, about: identities, schema: schema), by: ["database_name", "schema_name", "name"])
        let present = identities.filter { rows[$0] != nil }
        guard !present.isEmpty else { return [:] }
        // SHOW TABLES lacks columns and keys. Two more account-wide statements bring them for every table at
        // once, so a refresh costs three statements whatever the number of tables (DESC per table would cost
        // one request each). SHOW COLUMNS lists a table's columns in their ordinal order.
        async let columnRows = sql.show(.columns, about: present, schema: schema)
        async let keyRows = sql.show(.primaryKeys, about: present, schema: schema)
        let wanted = Set(present)
        var columnsByTable: [String: [Value]] = [:]
        for c in try await columnRows where (c["kind"] ?? "COLUMN").uppercased() == "COLUMN" {
            let table = QualifiedName([c["database_name"], c["schema_name"], c["table_name"]].map { SnowflakeName(stored: $0 ?? "") }).description
            guard wanted.contains(table) else { continue }
            let defaultText = c["default"].flatMap { $0.isEmpty ? nil : $0 }
            columnsByTable[table, default: []].append(.map([
                "name": .string(SnowflakeName(stored: c["column_name"] ?? "").description),
                "type": .string(ColumnType.canonical(showColumnsJSON: c["data_type"] ?? "")),
                "nullable": .bool(["true", "y", "yes"].contains((c["null?"] ?? "true").lowercased())),
                "default": defaultText.map(Value.string) ?? .null,
                "comment": .string(c["comment"] ?? ""),
            ]))
        }
        var keysByTable: [String: [(Int, String)]] = [:]
        for k in try await keyRows {
            let table = QualifiedName([k["database_name"], k["schema_name"], k["table_name"]].map { SnowflakeName(stored: $0 ?? "") }).description
            guard wanted.contains(table) else { continue }
            keysByTable[table, default: []].append((Int(k["key_sequence"] ?? "") ?? 0, SnowflakeName(stored: k["column_name"] ?? "").description))
        }
        var out: [String: LiveObject] = [:]
        for identity in present {
            let row = rows[identity]!
            let q = QualifiedName(parsing: identity)
            let columns = columnsByTable[identity] ?? []
            let primaryKey: [Value] = (keysByTable[identity] ?? []).sorted { $0.0 < $1.0 }.map { .string($0.1) }
            let clusterKeys = Self.clusterKeys(showing: row["cluster_by"] ?? "")
            out[identity] = LiveObject(identity: identity, properties: [
                "schema": .string(QualifiedName(Array(q.parts.dropLast())).description),
                "name": .string(q.last.description),
                "columns": .list(columns),
                "primary_key": .list(primaryKey),
                "cluster_by": .list(clusterKeys),
                "transient": .bool((row["kind"] ?? "").uppercased() == "TRANSIENT"),
                "comment": .string(row["comment"] ?? ""),
            ], attributes: ["qualified_name": .string(identity)])
        }
        return out
    }

    func columnDefinition(_ c: [String: Value]) throws -> String {
        var text = "\(SnowflakeName(parsing: c["name"]?.stringValue ?? "").sql) \(ColumnType.canonical(c["type"]?.stringValue ?? ""))"
        if c["nullable"]?.boolValue == false { text += " NOT NULL" }
        if let d = c["default"]?.stringValue {
            guard ColumnType.isSafeDefault(d) else {
                throw SnowflakeProviderError("column default '\(d)' is not a literal or a function call without arguments; infra only sends those")
            }
            text += " DEFAULT \(d)"
        }
        if let comment = c["comment"]?.stringValue, !comment.isEmpty { text += " COMMENT \(SnowflakeLiteral.string(comment))" }
        return text
    }

    static func names(_ value: Value?) -> String {
        (value?.listValue ?? []).compactMap(\.stringValue).map { SnowflakeName(parsing: $0).sql }.joined(separator: ", ")
    }

    static func clusterKeys(_ value: Value?) -> String {
        (value?.listValue ?? []).compactMap(\.stringValue).map { SnowflakeName(parsing: $0).sql }.joined(separator: ", ")
    }

    public func sendCreate(_ resource: DesiredResource) async throws -> String {
        let p = resource.properties
        let q = qualifiedName(p)!
        var parts = try Self.columns(p["columns"]).map(columnDefinition)
        if let keys = p["primary_key"]?.listValue, !keys.isEmpty { parts.append("PRIMARY KEY (\(Self.names(p["primary_key"])))") }
        var statement = "CREATE \(p["transient"]?.boolValue == true ? "TRANSIENT " : "")TABLE \(q.sql) (" + parts.joined(separator: ", ") + ")"
        if let keys = p["cluster_by"]?.listValue, !keys.isEmpty { statement += " CLUSTER BY (\(Self.clusterKeys(p["cluster_by"])))" }
        statement += SnowflakeKindSupport.comment(p)
        try await sql.execute([statement])
        return q.description
    }

    public func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String {
        let p = resource.properties
        let q = qualifiedName(p)!
        var statements: [String] = []
        for change in changes {
            switch change.property {
            case "columns":
                let old = Self.columns(live.properties["columns"]), new = Self.columns(p["columns"])
                for column in old where !new.contains(where: { $0["name"] == column["name"] }) {
                    statements.append("ALTER TABLE \(q.sql) DROP COLUMN \(SnowflakeName(parsing: column["name"]!.stringValue!).sql)")
                }
                for column in new {
                    let name = SnowflakeName(parsing: column["name"]!.stringValue!).sql
                    guard let previous = old.first(where: { $0["name"] == column["name"] }) else {
                        statements.append("ALTER TABLE \(q.sql) ADD COLUMN " + (try columnDefinition(column)))
                        continue
                    }
                    if previous["type"] != column["type"] {
                        statements.append("ALTER TABLE \(q.sql) ALTER COLUMN \(name) SET DATA TYPE \(column["type"]!.stringValue!)")
                    }
                    if previous["nullable"] != column["nullable"] {
                        statements.append("ALTER TABLE \(q.sql) ALTER COLUMN \(name) \(column["nullable"]?.boolValue == false ? "SET" : "DROP") NOT NULL")
                    }
                    if previous["comment"] != column["comment"] {
                        let comment = column["comment"]?.stringValue ?? ""
                        statements.append(comment.isEmpty ? "ALTER TABLE \(q.sql) ALTER COLUMN \(name) UNSET COMMENT"
                                          : "ALTER TABLE \(q.sql) ALTER COLUMN \(name) COMMENT \(SnowflakeLiteral.string(comment))")
                    }
                }
            case "primary_key":
                if !(live.properties["primary_key"]?.listValue ?? []).isEmpty { statements.append("ALTER TABLE \(q.sql) DROP PRIMARY KEY") }
                if let keys = p["primary_key"]?.listValue, !keys.isEmpty {
                    statements.append("ALTER TABLE \(q.sql) ADD PRIMARY KEY (\(Self.names(p["primary_key"])))")
                }
            case "cluster_by":
                if let keys = p["cluster_by"]?.listValue, !keys.isEmpty {
                    statements.append("ALTER TABLE \(q.sql) CLUSTER BY (\(Self.clusterKeys(p["cluster_by"])))")
                } else {
                    statements.append("ALTER TABLE \(q.sql) DROP CLUSTERING KEY")
                }
            case "comment":
                let text = p["comment"]?.stringValue ?? ""
                statements.append(text.isEmpty ? "ALTER TABLE \(q.sql) UNSET COMMENT" : "ALTER TABLE \(q.sql) SET COMMENT = \(SnowflakeLiteral.string(text))")
            default: break
            }
        }
        // Each ALTER depends on the table as the one before left it: sent in order, one request.
        try await sql.execute(statements)
        return q.description
    }

    public func delete(_ object: LiveObject) async throws {
        try await sql.execute(["DROP TABLE IF EXISTS \(QualifiedName(parsing: object.identity).sql)"])
    }
}
