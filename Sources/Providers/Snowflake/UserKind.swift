import Foundation
import InfraEngine
import SnowflakeSQLAPI

/// `snowflake.user`: a user that signs in with a key pair — a service user (TYPE = SERVICE) for loads and dbt.
/// A stack never holds a password: only the public key, compared by its fingerprint.
public struct UserKind: BulkReadBackKind, IdentityNormalizingKind {
    let sql: any SQLRunner
    /// Where a relative `rsa_public_key_file` is.
    let projectRoot: String
    public init(sql: any SQLRunner, projectRoot: String = FileManager.default.currentDirectoryPath) {
        self.sql = sql
        self.projectRoot = projectRoot
    }

    func path(_ file: String) -> String { file.hasPrefix("/") ? file : "\(projectRoot)/\(file)" }

    /// The embedded default's own folder, where `infra local up` keeps the deployer's key: a service user's key
    /// named there is made on first use, as deployer.p8 is. Anywhere else a missing key file is an error.
    var localKeyFolder: String { "\(projectRoot)/.infra/local/" }

    /// `rsa_public_key_file`: readable, and an RSA key. A missing key under .infra/local/ is generated here, the
    /// first place a command reads it.
    var keyFileCheck: StringCheck {
        let root = projectRoot, localFolder = localKeyFolder
        return StringCheck(name: "a PEM public key file, or an unencrypted private key file") { file in
            guard !file.contains("${") else { return nil }
            let full = file.hasPrefix("/") ? file : "\(root)/\(file)"
            if !FileManager.default.fileExists(atPath: full), full.hasPrefix(localFolder) {
                do { try SnowflakeKeyPair.generate(at: full) } catch {
                    return StringProblem(message: "cannot make the key pair \(file): \(error)", offset: 0, hint: "check that .infra/local is writable")
                }
            }
            guard FileManager.default.fileExists(atPath: full) else {
                return StringProblem(message: "no key file at \(file)", offset: 0,
                                     hint: "name the user's public key file (`openssl rsa -in key.p8 -pubout -out key.pub`), relative to the project; "
                                        + "keys under .infra/local/ are generated for the embedded default")
            }
            do {
                _ = try SnowflakePublicKey(keyFile: full)
                return nil
            } catch {
                return StringProblem(message: "\(error)", offset: 0,
                                     hint: "name a PEM public key (`openssl rsa -in key.p8 -pubout -out key.pub`) or an unencrypted private key; "
                                        + "keys under .infra/local/ are generated for the embedded default")
            }
        }
    }

    static let publicKeyCheck = StringCheck(name: "an RSA public key (PEM or its base64 body)") { text in
        guard !text.contains("${") else { return nil }
        do {
            _ = try SnowflakePublicKey(text: text)
            return nil
        } catch {
            return StringProblem(message: "\(error)", offset: 0,
                                 hint: "give the public key: `openssl rsa -in key.p8 -pubout` prints it (never the private key)")
        }
    }

    /// The settings written as `NAME = value` in CREATE USER and ALTER USER … SET, in a stable order.
    static let settings = ["type", "rsa_public_key", "default_role", "default_warehouse", "default_namespace", "disabled", "comment"]

    public var schema: KindSchema {
        var schema = KindSchema(
            name: "snowflake.user", summary: "a user signing in with a key pair (a service user by default); never a password",
            properties: [
                PropertySchema("name", .string, required: true),
                PropertySchema("type", .enumeration(["SERVICE", "LEGACY_SERVICE", "PERSON"], caseInsensitive: true), default: "SERVICE",
                               summary: "SERVICE users cannot use passwords or SSO"),
                PropertySchema("rsa_public_key", .checked(Self.publicKeyCheck), summary: "compared by its SHA256 fingerprint"),
                PropertySchema("rsa_public_key_file", .checked(keyFileCheck),
                               summary: "a file holding the public key, or the private key whose public half is used"),
                PropertySchema("default_role", .string),
                PropertySchema("default_warehouse", .string),
                PropertySchema("default_namespace", .string, summary: "DATABASE or DATABASE.SCHEMA"),
                PropertySchema("disabled", .bool, default: false),
                PropertySchema("comment", .string, default: ""),
            ],
            attributes: [], referenceAttribute: "name", identityProperties: ["name"])
        schema.combinationCheck = { written, resource in
            guard let file = written["rsa_public_key_file"], written["rsa_public_key"] != nil else { return [] }
            return [Diagnostic("a user takes rsa_public_key or rsa_public_key_file, not both", at: file.location,
                               hint: "keep the one that holds the key")]
        }
        return schema
    }

    /// The key file's public key, as if written in `rsa_public_key`: the plan compares fingerprints either way.
    public func impliedProperties(_ properties: [String: Value]) -> [String: Value] {
        guard let file = properties["rsa_public_key_file"]?.stringValue, let key = try? SnowflakePublicKey(keyFile: path(file)) else {
            return properties
        }
        var out = properties
        out["rsa_public_key_file"] = nil
        out["rsa_public_key"] = .string(key.body)
        return out
    }

    public func identity(of properties: [String: Value]) -> String? { SnowflakeKindSupport.name(properties["name"])?.description }
    public func canonicalIdentity(_ id: String) -> String { SnowflakeName(parsing: id).description }

    public func normalize(_ value: Value, property: String) -> Value {
        switch (property, value) {
        case ("name", _), ("default_role", _), ("default_warehouse", _): return SnowflakeKindSupport.canonicalName(value)
        case ("default_namespace", _): return SnowflakeKindSupport.canonicalQualified(value)
        case ("type", .string(let s)): return .string(s.uppercased())
        case ("rsa_public_key", .string(let s)):
            // The plan compares (and shows) fingerprints, as DESC USER reports them.
            return (try? SnowflakePublicKey(text: s)).map { .string($0.fingerprint) } ?? value
        default: return value
        }
    }

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        let rows = SnowflakeKindSupport.index(try await sql.query("SHOW USERS"), by: ["name"])
        let present = identities.filter { rows[$0] != nil }
        // SHOW USERS says only whether a key is set: DESC the users that have one, all in one request.
        let keyed = present.filter { SnowflakeKindSupport.bool(rows[$0]?["has_rsa_public_key"]) == .bool(true) }
        let details = try await sql.queryBatch(keyed.map { "DESC USER \(SnowflakeName(parsing: $0).sql)" })
        var fingerprints: [String: String] = [:]
        for (identity, describe) in zip(keyed, details) {
            let row = describe.first { ($0["property"] ?? "").uppercased() == "RSA_PUBLIC_KEY_FP" }
            if let value = row?["value"], value != "null" { fingerprints[identity] = value }
        }
        var out: [String: LiveObject] = [:]
        for identity in present {
            let row = rows[identity]!
            func name(_ column: String) -> Value {
                guard let text = row[column], !text.isEmpty, text != "null" else { return .null }
                return .string(SnowflakeName(stored: text).description)
            }
            let namespace = row["default_namespace"].flatMap { $0.isEmpty || $0 == "null" ? nil : $0 }
            out[identity] = LiveObject(identity: identity, properties: [
                "name": .string(identity),
                // A user created without TYPE is a PERSON (docs: sql-reference/sql/create-user, TYPE).
                "type": .string((row["type"].flatMap { $0.isEmpty || $0 == "null" ? nil : $0 } ?? "PERSON").uppercased()),
                "rsa_public_key": fingerprints[identity].map(Value.string) ?? .null,
                "default_role": name("default_role"),
                "default_warehouse": name("default_warehouse"),
                "default_namespace": namespace.map { .string(QualifiedName(parsing: $0).description) } ?? .null,
                "disabled": SnowflakeKindSupport.bool(row["disabled"]),
                "comment": .string(row["comment"] ?? ""),
            ], attributes: ["owner": SnowflakeKindSupport.text(row["owner"])])
        }
        return out
    }

    /// `NAME = value` for each setting present in `properties` (and in `only`, when given).
    func assignments(_ p: [String: Value], only: Set<String>? = nil) throws -> [String] {
        var out: [String] = []
        for setting in Self.settings where only?.contains(setting) ?? true {
            guard let value = p[setting], value != .null else { continue }
            let keyword = setting.uppercased()
            switch setting {
            case "type": out.append("TYPE = \(value.stringValue!.uppercased())")
            case "rsa_public_key":
                let key = try SnowflakePublicKey(text: value.stringValue ?? "")
                out.append("RSA_PUBLIC_KEY = \(SnowflakeLiteral.string(key.body))")
            case "default_role", "default_warehouse": out.append("\(keyword) = \(SnowflakeName(parsing: value.stringValue!).sql)")
            case "default_namespace": out.append("DEFAULT_NAMESPACE = \(QualifiedName(parsing: value.stringValue!).sql)")
            case "disabled": out.append("DISABLED = \(value.boolValue == true ? "TRUE" : "FALSE")")
            default: out.append("COMMENT = \(SnowflakeLiteral.string(value.stringValue ?? ""))")
            }
        }
        return out
    }

    public func sendCreate(_ resource: DesiredResource) async throws -> String {
        let name = SnowflakeKindSupport.name(resource.properties["name"])!
        try await sql.execute(["CREATE USER \(name.sql) " + (try assignments(resource.properties)).joined(separator: " ")])
        return name.description
    }

    public func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String {
        let name = SnowflakeKindSupport.name(resource.properties["name"])!
        let changed = Set(changes.map(\.property))
        var statements: [String] = []
        let set = try assignments(resource.properties, only: changed)
        if !set.isEmpty { statements.append("ALTER USER \(name.sql) SET " + set.joined(separator: " ")) }
        // A setting removed from the stack goes back to Snowflake's default.
        let unset = Self.settings.filter { changed.contains($0) && (resource.properties[$0] ?? .null) == .null }
        if !unset.isEmpty { statements.append("ALTER USER \(name.sql) UNSET " + unset.map { $0.uppercased() }.joined(separator: ", ")) }
        try await sql.execute(statements)
        return name.description
    }

    public func delete(_ object: LiveObject) async throws {
        try await sql.execute(["DROP USER IF EXISTS \(SnowflakeName(parsing: object.identity).sql)"])
    }

}
