import Foundation
import InfraEngine

/// What one `snowflake.grant` gives and to whom. Its text is the resource's identity:
/// `ON TABLE DB.RAW.EVENTS TO ROLE LOADER`, `ALL ON SCHEMA DB.RAW TO ROLE LOADER` (a grant of ALL),
/// `ON FUTURE TABLES IN SCHEMA DB.RAW TO ROLE LOADER`, `ROLE LOADER TO USER LOADER_SVC`. Privileges on one object
/// to one role are one resource, so adding or removing a privilege changes it in place. A grant on all existing
/// objects of a kind names its privileges too (`INSERT,SELECT ON ALL TABLES IN SCHEMA DB.RAW TO ROLE LOADER`): it is
/// a condition over many objects, read back as "every object of the kind there holds them", so the read must
/// know which privileges to look for; changing them replaces the grant (REVOKE, then GRANT).
struct GrantIdentity: Hashable, CustomStringConvertible {
    /// How names are written: quoted for statements (`\.sql`), shortest for the identity (`\.description`).
    typealias NameStyle = @Sendable (QualifiedName) -> String
    static let statementNames: NameStyle = { $0.sql }
    static let identityNames: NameStyle = { $0.description }

    enum Scope: Hashable {
        case schema(QualifiedName)
        case database(QualifiedName)
        func written(_ name: NameStyle) -> String {
            switch self {
            case .schema(let q): return "IN SCHEMA \(name(q))"
            case .database(let q): return "IN DATABASE \(name(q))"
            }
        }
        var sql: String { written(GrantIdentity.statementNames) }
    }

    enum Target: Hashable {
        case account
        case named(SecurableType, QualifiedName)
        case future(SecurableType, Scope)
        case all(SecurableType, Scope)
        case role(SnowflakeName)
        case databaseRole(QualifiedName)

        func written(_ name: NameStyle) -> String {
            switch self {
            case .account: return "ON ACCOUNT"
            case .named(let type, let object): return "ON \(type.sql) \(name(object))"
            case .future(let type, let scope): return "ON FUTURE \(type.plural!) \(scope.written(name))"
            case .all(let type, let scope): return "ON ALL \(type.plural!) \(scope.written(name))"
            case .role(let role): return "ROLE \(name(QualifiedName([role])))"
            case .databaseRole(let role): return "DATABASE ROLE \(name(role))"
            }
        }
        var sql: String { written(GrantIdentity.statementNames) }
        var securable: SecurableType? {
            switch self {
            case .account: return .account
            case .named(let t, _), .future(let t, _), .all(let t, _): return t
            case .role, .databaseRole: return nil
            }
        }
    }

    enum Grantee: Hashable {
        case role(SnowflakeName)
        case user(SnowflakeName)
        case databaseRole(QualifiedName)
        func written(_ name: NameStyle) -> String {
            switch self {
            case .role(let n): return "ROLE \(name(QualifiedName([n])))"
            case .user(let n): return "USER \(name(QualifiedName([n])))"
            case .databaseRole(let q): return "DATABASE ROLE \(name(q))"
            }
        }
        var sql: String { written(GrantIdentity.statementNames) }
    }

    var grantsAll: Bool
    var target: Target
    var grantee: Grantee
    /// The privileges of a grant on all objects of a kind (`.all`), in Snowflake's spelling, sorted; empty otherwise.
    var privileges: [String] = []

    var description: String {
        let head: String
        if case .all = target {
            head = privileges.map { $0.replacingOccurrences(of: " ", with: "_") }.joined(separator: ",") + " "
        } else {
            head = grantsAll ? "ALL " : ""
        }
        return head + target.written(Self.identityNames) + " TO " + grantee.written(Self.identityNames)
    }

    /// Parses `description` back: words split on spaces outside double quotes.
    init?(parsing text: String) {
        var words = Self.words(text)
        var listed: [String] = []
        if words.count > 3, words[1] == "ON", words[2] == "ALL" {
            listed = words[0].split(separator: ",").map { $0.replacingOccurrences(of: "_", with: " ") }
            words.removeFirst()
        }
        grantsAll = listed.isEmpty && words.first == "ALL" && words.dropFirst().first == "ON"
        if grantsAll { words.removeFirst() }
        let head: [String]
        if words.count >= 5, Array(words[(words.count - 4)...].dropLast()) == ["TO", "DATABASE", "ROLE"] {
            grantee = .databaseRole(QualifiedName(parsing: words[words.count - 1]))
            head = Array(words.dropLast(4))
        } else {
            guard words.count >= 4, words[words.count - 3] == "TO" else { return nil }
            let granteeName = SnowflakeName(parsing: words[words.count - 1])
            switch words[words.count - 2] {
            case "ROLE": grantee = .role(granteeName)
            case "USER": grantee = .user(granteeName)
            default: return nil
            }
            head = Array(words.dropLast(3))
        }
        guard let target = Self.target(head) else { return nil }
        self.target = target
        if case .all(let type, _) = target {
            // `CREATE_TABLE` → `CREATE TABLE`; the type's own names where an underscore is part of one.
            privileges = listed.map { written in type.privileges.first { $0.replacingOccurrences(of: "_", with: " ") == written } ?? written }
        }
    }

    init(grantsAll: Bool, target: Target, grantee: Grantee, privileges: [String] = []) {
        self.grantsAll = grantsAll
        self.target = target
        self.grantee = grantee
        if case .all = target { self.privileges = privileges }
    }

    private static func target(_ words: [String]) -> Target? {
        if words == ["ON", "ACCOUNT"] { return .account }
        if words.count == 2, words[0] == "ROLE" { return .role(SnowflakeName(parsing: words[1])) }
        if words.count == 3, words[0] == "DATABASE", words[1] == "ROLE" { return .databaseRole(QualifiedName(parsing: words[2])) }
        guard words.first == "ON", let name = words.last else { return nil }
        let middle = words.dropFirst().dropLast().joined(separator: " ")
        for many in ["FUTURE ", "ALL "] where middle.hasPrefix(many) {
            // `FUTURE TABLES IN SCHEMA` + name
            let rest = middle.dropFirst(many.count)
            for scopeWord in [" IN SCHEMA", " IN DATABASE"] where rest.hasSuffix(scopeWord) {
                guard let type = SecurableType.byPlural[String(rest.dropLast(scopeWord.count))] else { return nil }
                let q = QualifiedName(parsing: name)
                let scope: Scope = scopeWord == " IN SCHEMA" ? .schema(q) : .database(q)
                return many == "ALL " ? .all(type, scope) : .future(type, scope)
            }
            return nil
        }
        guard let type = SecurableType.all.first(where: { $0.sql == middle }) else { return nil }
        return .named(type, QualifiedName(parsing: name))
    }

    static func words(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        for c in text {
            if c == "\"" { quoted.toggle() }
            if c == " ", !quoted {
                if !current.isEmpty { out.append(current) }
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}

/// `snowflake.grant`: privileges on an object, on the future objects of a kind in a schema or database, or a role,
/// given to a role (a role also to a user).
public struct GrantKind: BulkReadBackKind {
    let sql: any SQLRunner
    public init(sql: any SQLRunner) { self.sql = sql }

    static let objectKeys = SecurableType.all.filter { $0 != .account }.map(\.key)
    static let plurals = SecurableType.all.compactMap { $0.plural?.lowercased().replacingOccurrences(of: " ", with: "_") }

    public var schema: KindSchema {
        var on: [PropertySchema] = [PropertySchema("account", .bool, summary: "privileges on the account itself")]
        on += Self.objectKeys.map { PropertySchema($0, .string) }
        on += [PropertySchema("future", .enumeration(Self.plurals, caseInsensitive: true), summary: "objects of a kind created later"),
               PropertySchema("all", .enumeration(Self.plurals, caseInsensitive: true), summary: "every existing object of a kind"),
               PropertySchema("in_schema", .string), PropertySchema("in_database", .string)]
        var schema = KindSchema(
            name: "snowflake.grant", summary: "privileges on an object (or future objects of a kind) or a role, granted to a role or user",
            properties: [
                PropertySchema("privileges", .set(.string), summary: "as Snowflake lists them for the object's type, or [ALL]"),
                PropertySchema("on", .object(on), summary: "one of account, database, schema, table, …, or future/all + in_schema/in_database"),
                PropertySchema("role", .string, summary: "a role to grant (instead of privileges)"),
                PropertySchema("database_role", .string, summary: "a database role to grant (instead of privileges)"),
                PropertySchema("to_role", .string),
                PropertySchema("to_user", .string, summary: "only with role:"),
                PropertySchema("to_database_role", .string, summary: "privileges on its database's objects, or a database role of it"),
                PropertySchema("with_grant_option", .bool, default: false, forcesReplacement: true),
            ],
            attributes: [], referenceAttribute: "to_role", identityProperties: ["on", "role", "database_role", "to_role", "to_user", "to_database_role"])
        schema.combinationCheck = { GrantRules.problems(in: $0, resource: $1) }
        return schema
    }

    // MARK: identity and comparison

    static func grantIdentity(_ p: [String: Value]) -> GrantIdentity? {
        let grantee: GrantIdentity.Grantee
        if let role = p["to_role"]?.stringValue { grantee = .role(SnowflakeName(parsing: role)) }
        else if let user = p["to_user"]?.stringValue { grantee = .user(SnowflakeName(parsing: user)) }
        else if let role = p["to_database_role"]?.stringValue { grantee = .databaseRole(QualifiedName(parsing: role)) }
        else { return nil }
        if let role = p["role"]?.stringValue { return GrantIdentity(grantsAll: false, target: .role(SnowflakeName(parsing: role)), grantee: grantee) }
        if let role = p["database_role"]?.stringValue {
            return GrantIdentity(grantsAll: false, target: .databaseRole(QualifiedName(parsing: role)), grantee: grantee)
        }
        guard case .map(let on)? = p["on"], let target = target(on) else { return nil }
        let privileges = normalizedPrivileges(p["privileges"])
        if case .all = target { return GrantIdentity(grantsAll: false, target: target, grantee: grantee, privileges: privileges) }
        return GrantIdentity(grantsAll: privileges.contains("ALL"), target: target, grantee: grantee)
    }

    /// Privileges in Snowflake's spelling, sorted, `ALL PRIVILEGES` as `ALL`.
    static func normalizedPrivileges(_ value: Value?) -> [String] {
        guard case .list(let items)? = value else { return [] }
        return Set(items.compactMap(\.stringValue).map(SecurableType.canonical).map { $0 == "ALL PRIVILEGES" ? "ALL" : $0 }).sorted()
    }

    static func target(_ on: [String: Value]) -> GrantIdentity.Target? {
        if on["account"]?.boolValue == true { return .account }
        for key in objectKeys { if let name = on[key]?.stringValue { return .named(SecurableType.byKey[key]!, QualifiedName(parsing: name)) } }
        let scope: GrantIdentity.Scope
        if let s = on["in_schema"]?.stringValue { scope = .schema(QualifiedName(parsing: s)) }
        else if let d = on["in_database"]?.stringValue { scope = .database(QualifiedName(parsing: d)) }
        else { return nil }
        func type(_ key: String) -> SecurableType? {
            on[key]?.stringValue.flatMap { SecurableType.byPlural[$0.uppercased().replacingOccurrences(of: "_", with: " ")] }
        }
        if let t = type("future") { return .future(t, scope) }
        if let t = type("all") { return .all(t, scope) }
        return nil
    }

    public func identity(of properties: [String: Value]) -> String? {
        for key in ["on", "role", "database_role", "to_role", "to_user", "to_database_role", "privileges"] where properties[key].map({ !$0.isKnown }) ?? false { return nil }
        return Self.grantIdentity(properties)?.description
    }

    public func normalize(_ value: Value, property: String) -> Value {
        switch (property, value) {
        case ("privileges", .list):
            return .list(Self.normalizedPrivileges(value).map(Value.string))
        case ("on", .map(let on)):
            var out: [String: Value] = [:]
            for (key, v) in on where v != .null {
                switch key {
                case "account", "future", "all": out[key] = v.stringValue.map { .string($0.lowercased()) } ?? v
                default: out[key] = SnowflakeKindSupport.canonicalQualified(v)
                }
            }
            return .map(out)
        case ("role", _), ("to_role", _), ("to_user", _): return SnowflakeKindSupport.canonicalName(value)
        case ("database_role", _), ("to_database_role", _): return SnowflakeKindSupport.canonicalQualified(value)
        default: return value
        }
    }

    // MARK: reading

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        let grants = identities.compactMap { id in GrantIdentity(parsing: id).map { (id, $0) } }
        guard !grants.isEmpty else { return [:] }
        // SHOW GRANTS TO ROLE fails for a role that does not exist: ask only about those that do.
        let grantees = Set(grants.map(\.1.grantee))
        let roleNames = Set(grantees.compactMap { if case .role(let n) = $0 { return n } else { return nil } })
        let userNames = Set(grantees.compactMap { if case .user(let n) = $0 { return n } else { return nil } })
        let databaseRoleNames = Set(grantees.compactMap { if case .databaseRole(let q) = $0 { return q } else { return nil } })
        let existingRoles = roleNames.isEmpty ? [] : Set(try await sql.query("SHOW ROLES").compactMap { $0["name"] }.map(SnowflakeName.init(stored:)))
        let existingUsers = userNames.isEmpty ? [] : Set(try await sql.query("SHOW USERS").compactMap { $0["name"] }.map(SnowflakeName.init(stored:)))
        let listedDatabaseRoles = try await DatabaseRoleKind.databaseRoles(in: Array(Set(databaseRoleNames.map { $0.parts[0] })), sql: sql)
        let existing: [GrantIdentity.Grantee] = grantees.filter { grantee in
            switch grantee {
            case .role(let n): return existingRoles.contains(n)
            case .user(let n): return existingUsers.contains(n)
            case .databaseRole(let q):
                return (listedDatabaseRoles[q.parts[0]] ?? []).contains { SnowflakeName(stored: $0["name"] ?? "") == q.last }
            }
        }.sorted { $0.sql < $1.sql }
        let wantsFuture = Set(grants.compactMap { if case .future = $0.1.target { return $0.1.grantee } else { return nil } })
        let futureGrantees = existing.filter(wantsFuture.contains)  // roles and database roles: a user takes no privileges
        // One request: the grants to each grantee, and the future grants of each that has some declared.
        let statements = existing.map { "SHOW GRANTS TO \($0.sql)" } + futureGrantees.map { "SHOW FUTURE GRANTS TO \($0.sql)" }
        var results = try await sql.queryBatch(statements)[...]
        var granted: [GrantIdentity.Grantee: [SQLRow]] = [:], future: [GrantIdentity.Grantee: [SQLRow]] = [:]
        for grantee in existing { granted[grantee] = results.removeFirst() }
        for grantee in futureGrantees { future[grantee] = results.removeFirst() }

        let inScope = try await objects(in: Set(grants.compactMap { if case .all(let t, let s) = $0.1.target { return Scoped(type: t, scope: s) } else { return nil } }))

        var out: [String: LiveObject] = [:]
        for (identity, grant) in grants {
            let found: (privileges: [String], grantOption: Bool)?
            if case .all(let type, let scope) = grant.target {
                guard let objects = inScope[Scoped(type: type, scope: scope)] else { continue }
                found = Self.heldOnAll(grant, objects: objects, type: type, rows: granted[grant.grantee] ?? [])
            } else {
                found = Self.live(grant, granted: granted[grant.grantee] ?? [], future: future[grant.grantee] ?? [])
            }
            guard let found else { continue }
            var properties = Self.properties(grant, privileges: found.privileges, grantOption: found.grantOption)
            // No object to hold a grant option: the grant keeps what it was given (state's value).
            if case .all(let type, let scope) = grant.target, inScope[Scoped(type: type, scope: scope)]?.isEmpty == true {
                properties["with_grant_option"] = nil
            }
            out[identity] = LiveObject(identity: identity, properties: properties)
        }
        return out
    }

    /// The privileges a grant holds live, or nil when it holds none. OWNERSHIP rows are the object's owner, not a
    /// grant, and are left out.
    ///   granted: what SHOW GRANTS TO the grantee lists; future: what SHOW FUTURE GRANTS TO it lists.
    static func live(_ grant: GrantIdentity, granted: [SQLRow], future: [SQLRow]) -> (privileges: [String], grantOption: Bool)? {
        func held(_ rows: [SQLRow], on grantedOn: String, name: QualifiedName?, nameColumn: String = "name",
                  onColumn: String = "granted_on") -> [SQLRow] {
            rows.filter { row in
                (row[onColumn] ?? "").uppercased().replacingOccurrences(of: " ", with: "_") == grantedOn
                    && (row["privilege"] ?? "").uppercased() != "OWNERSHIP"
                    && (name == nil || QualifiedName(parsing: row[nameColumn] ?? "") == name)
            }
        }
        func summary(_ rows: [SQLRow]) -> (privileges: [String], grantOption: Bool)? {
            guard !rows.isEmpty else { return nil }
            var privileges = Set(rows.compactMap { $0["privilege"] }.map(SecurableType.canonical))
            if grant.grantsAll, let type = grant.target.securable, privileges.isSuperset(of: type.allIncludes) { privileges = ["ALL"] }
            return (privileges.sorted(), rows.allSatisfy { ($0["grant_option"] ?? "").lowercased() == "true" })
        }
        switch (grant.target, grant.grantee) {
        case (.role(let role), .user):
            let found = granted.contains { SnowflakeName(stored: $0["role"] ?? "") == role }
            return found ? ([], false) : nil
        case (.role(let role), _):
            return summary(held(granted, on: "ROLE", name: QualifiedName([role]))).map { _ in ([], false) }
        case (.databaseRole(let role), _):
            return summary(held(granted, on: "DATABASE_ROLE", name: role)).map { _ in ([], false) }
        case (_, .user):
            return nil
        case (.account, _):
            return summary(held(granted, on: "ACCOUNT", name: nil))
        case (.named(let type, let name), _):
            return summary(held(granted, on: type.grantedOn, name: name))
        case (.future(let type, let scope), _):
            // SHOW FUTURE GRANTS names the scope with the kind in angle brackets: `DB.RAW.<TABLE>`.
            let scopeName: QualifiedName
            switch scope { case .schema(let q), .database(let q): scopeName = q }
            let rows = future.filter { row in
                (row["grant_on"] ?? "").uppercased().replacingOccurrences(of: " ", with: "_") == type.grantedOn
                    && QualifiedName(parsing: Self.futureScope(row["name"] ?? "")) == scopeName
            }
            return summary(rows)
        case (.all, _):
            return nil
        }
    }

    struct Scoped: Hashable {
        var type: SecurableType
        var scope: GrantIdentity.Scope
    }

    /// The objects of each kind in each scope, by qualified name; a scope that does not exist is left out.
    func objects(in scopes: Set<Scoped>) async throws -> [Scoped: [QualifiedName]] {
        let listed = try await SnowflakeKindSupport.rowsUnlessMissing(
            Dictionary(uniqueKeysWithValues: scopes.map { ($0, "SHOW \($0.type.plural!) \($0.scope.sql)") }), sql: sql)
        return listed.reduce(into: [:]) { out, entry in
            out[entry.key] = entry.value.map { row in
                QualifiedName([row["database_name"], entry.key.type == .schema ? nil : row["schema_name"], row["name"]]
                    .compactMap { $0 }.map(SnowflakeName.init(stored:)))
            }
        }
    }

    /// A grant on all objects of a kind holds the privileges every one of them holds, of those it declares (what
    /// else the role holds comes from other grants). With no object there, it holds them all: nothing lacks them.
    static func heldOnAll(_ grant: GrantIdentity, objects: [QualifiedName], type: SecurableType,
                          rows granted: [SQLRow]) -> (privileges: [String], grantOption: Bool)? {
        if case .user = grant.grantee { return nil }
        let declared = Set(grant.privileges.contains("ALL") ? type.allIncludes : grant.privileges)
        var common = declared, grantOption = true
        let rows = granted.filter { ($0["granted_on"] ?? "").uppercased().replacingOccurrences(of: " ", with: "_") == type.grantedOn }
        for object in objects {
            let onObject = rows.filter { QualifiedName(parsing: $0["name"] ?? "") == object && declared.contains(SecurableType.canonical($0["privilege"] ?? "")) }
            common.formIntersection(onObject.compactMap { $0["privilege"] }.map(SecurableType.canonical))
            grantOption = grantOption && onObject.allSatisfy { ($0["grant_option"] ?? "").lowercased() == "true" }
        }
        if grant.privileges.contains("ALL") { return (common == declared ? ["ALL"] : common.sorted(), grantOption) }
        return (common.sorted(), grantOption)
    }

    /// `DB.RAW.<TABLE>` → `DB.RAW`.
    static func futureScope(_ name: String) -> String {
        guard let open = name.range(of: ".<", options: .backwards) else { return name }
        return String(name[..<open.lowerBound])
    }

    /// The live properties of a grant, in the form the stack writes them.
    static func properties(_ grant: GrantIdentity, privileges: [String], grantOption: Bool) -> [String: Value] {
        var p: [String: Value] = ["with_grant_option": .bool(grantOption)]
        switch grant.grantee {
        case .role(let n): p["to_role"] = .string(n.description)
        case .user(let n): p["to_user"] = .string(n.description)
        case .databaseRole(let q): p["to_database_role"] = .string(q.description)
        }
        switch grant.target {
        case .role(let n):
            p["role"] = .string(n.description)
            return p
        case .databaseRole(let q):
            p["database_role"] = .string(q.description)
            return p
        case .account: p["on"] = .map(["account": .bool(true)])
        case .named(let type, let name): p["on"] = .map([type.key: .string(name.description)])
        case .future(let type, let scope), .all(let type, let scope):
            let key: String
            if case .all = grant.target { key = "all" } else { key = "future" }
            var on: [String: Value] = [key: .string(type.plural!.lowercased().replacingOccurrences(of: " ", with: "_"))]
            switch scope {
            case .schema(let q): on["in_schema"] = .string(q.description)
            case .database(let q): on["in_database"] = .string(q.description)
            }
            p["on"] = .map(on)
        }
        p["privileges"] = .list(privileges.map(Value.string))
        return p
    }

    // MARK: changing

    static func grantStatement(_ privileges: [String], _ grant: GrantIdentity, grantOption: Bool) -> String {
        if grant.target.securable == nil { return "GRANT \(grant.target.sql) TO \(grant.grantee.sql)" }
        let list = privileges.contains("ALL") ? "ALL PRIVILEGES" : privileges.joined(separator: ", ")
        return "GRANT \(list) \(grant.target.sql) TO \(grant.grantee.sql)" + (grantOption ? " WITH GRANT OPTION" : "")
    }

    static func revokeStatement(_ privileges: [String], _ grant: GrantIdentity) -> String {
        if grant.target.securable == nil { return "REVOKE \(grant.target.sql) FROM \(grant.grantee.sql)" }
        let list = privileges.contains("ALL") ? "ALL PRIVILEGES" : privileges.joined(separator: ", ")
        return "REVOKE \(list) \(grant.target.sql) FROM \(grant.grantee.sql)"
    }

    static func privileges(_ p: [String: Value]) -> [String] { normalizedPrivileges(p["privileges"]) }

    public func sendCreate(_ resource: DesiredResource) async throws -> String {
        let grant = Self.grantIdentity(resource.properties)!
        try await sql.execute([Self.grantStatement(Self.privileges(resource.properties), grant,
                                                   grantOption: resource.properties["with_grant_option"]?.boolValue ?? false)])
        return grant.description
    }

    public func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String {
        let grant = Self.grantIdentity(resource.properties)!
        let wanted = Set(Self.privileges(resource.properties)), held = Set(Self.privileges(live.properties))
        var statements: [String] = []
        let added = wanted.subtracting(held).sorted(), removed = held.subtracting(wanted).sorted()
        if !added.isEmpty {
            statements.append(Self.grantStatement(added, grant, grantOption: resource.properties["with_grant_option"]?.boolValue ?? false))
        }
        if !removed.isEmpty { statements.append(Self.revokeStatement(removed, grant)) }
        try await sql.execute(statements)
        return grant.description
    }

    public func delete(_ object: LiveObject) async throws {
        guard let grant = GrantIdentity(parsing: object.identity) else { return }
        // On all objects: revoke what the grant declares, on every object, whatever each one holds now.
        let privileges = grant.privileges.isEmpty ? Self.privileges(object.properties) : grant.privileges
        try await sql.execute([Self.revokeStatement(privileges, grant)])
    }

    public func namesOneObject(_ identity: String) -> Bool {
        guard let grant = GrantIdentity(parsing: identity), case .all = grant.target else { return true }
        return false
    }
}
