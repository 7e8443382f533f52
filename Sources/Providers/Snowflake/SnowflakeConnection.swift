import Foundation
import InfraEngine
import SnowflakeSQLAPI

/// Where and as whom infra talks to Snowflake, gathered the way Snowflake's own tools do. Each setting comes
/// from the first of: the environment file's `snowflake:` block, `SNOWFLAKE_*` variables, then the named
/// connection in ~/.snowflake/connections.toml (`connection:`, `SNOWFLAKE_DEFAULT_CONNECTION_NAME`,
/// `default_connection_name`, or `default`).
public struct SnowflakeConnectionSettings: Sendable, Equatable {
    public var account: String?
    public var user: String?
    public var role: String?
    public var warehouse: String?
    public var database: String?
    public var schema: String?
    public var endpoint: String?
    public var authenticator: String
    public var privateKeyFile: String?
    public var privateKeyPassphrase: String?
    public var token: String?
    /// Where each setting came from, for error messages.
    public var origin: String

    /// Variables that may hold each setting, in the order the Snowflake CLI and connector honour them.
    static let variables: [String: [String]] = [
        "account": ["SNOWFLAKE_ACCOUNT"], "user": ["SNOWFLAKE_USER"], "role": ["SNOWFLAKE_ROLE"],
        "warehouse": ["SNOWFLAKE_WAREHOUSE"], "database": ["SNOWFLAKE_DATABASE"], "schema": ["SNOWFLAKE_SCHEMA"],
        "endpoint": ["SNOWFLAKE_SQL_API_ENDPOINT"], "authenticator": ["SNOWFLAKE_AUTHENTICATOR"],
        "private_key_file": ["SNOWFLAKE_PRIVATE_KEY_FILE", "SNOWFLAKE_PRIVATE_KEY_PATH"],
        "token": ["SNOWFLAKE_TOKEN"],
    ]

    public static func resolve(block: [String: Value], environment: [String: String], home: String, projectRoot: String,
                               environmentFile: String?) throws -> SnowflakeConnectionSettings {
        let file = try ConnectionsFile.load(environment: environment, home: home)
        let connectionName = block["connection"]?.stringValue ?? environment["SNOWFLAKE_DEFAULT_CONNECTION_NAME"]
            ?? file?.defaultName ?? "default"
        if block["connection"] != nil, file?.connections[connectionName] == nil {
            throw Diagnostic("no connection named '\(connectionName)' in ~/.snowflake/connections.toml",
                             at: environmentFile.map { SourceLocation(file: $0, line: 1, column: 1) },
                             hint: "add a [\(connectionName)] table there, or set account, user and private_key_file in the snowflake block")
        }
        let connection = file?.connections[connectionName] ?? [:]

        func setting(_ key: String, tomlKeys: [String] = []) -> String? {
            if let v = block[key]?.stringValue, !v.isEmpty { return v }
            for name in variables[key] ?? [] { if let v = environment[name], !v.isEmpty { return v } }
            for k in [key] + tomlKeys { if let v = connection[k], !v.isEmpty { return v } }
            return nil
        }
        func path(_ p: String?) -> String? {
            guard var p else { return nil }
            if p.hasPrefix("~/") { p = home + p.dropFirst() }
            return p.hasPrefix("/") ? p : "\(projectRoot)/\(p)"
        }

        var passphrase: String?
        if let variable = block["private_key_passphrase_env"]?.stringValue {
            passphrase = environment[variable]
        } else {
            passphrase = environment["PRIVATE_KEY_PASSPHRASE"] ?? environment["SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"]
                ?? environment["SNOWFLAKE_PRIVATE_KEY_FILE_PWD"] ?? connection["private_key_file_pwd"] ?? connection["private_key_passphrase"]
        }
        var token = setting("token")
        if token == nil, let tokenFile = path(block["token_file"]?.stringValue ?? connection["token_file_path"]) {
            token = (try? String(contentsOfFile: tokenFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return SnowflakeConnectionSettings(
            account: setting("account"), user: setting("user"), role: setting("role"), warehouse: setting("warehouse"),
            database: setting("database"), schema: setting("schema"), endpoint: setting("endpoint", tomlKeys: ["host"]),
            authenticator: (setting("authenticator") ?? "snowflake_jwt").lowercased(),
            privateKeyFile: path(setting("private_key_file", tomlKeys: ["private_key_path"])),
            privateKeyPassphrase: passphrase, token: token,
            origin: environmentFile ?? "the environment")
    }

    /// The SQL API client these settings describe. Reads the key file; makes no request.
    public func client() throws -> SQLAPIClient {
        func missing(_ what: String, _ variable: String) -> Diagnostic {
            Diagnostic("no Snowflake \(what) is configured for \(origin)", at: nil,
                       hint: "set `\(what)` in the environment's snowflake block, \(variable), or a connection in ~/.snowflake/connections.toml")
        }
        guard let account else { throw missing("account", "SNOWFLAKE_ACCOUNT") }
        let snowflakeAccount = SnowflakeAccount(account)
        let authentication: SQLAPIAuthentication
        switch authenticator {
        case "snowflake_jwt":
            guard let user else { throw missing("user", "SNOWFLAKE_USER") }
            guard let privateKeyFile else { throw missing("private_key_file", "SNOWFLAKE_PRIVATE_KEY_FILE") }
            do {
                let key = try SnowflakeKeyPair(file: privateKeyFile, passphrase: privateKeyPassphrase)
                authentication = .keyPair(KeyPairJWTIssuer(account: snowflakeAccount, user: user, keyPair: key))
            } catch let error as PrivateKeyError {
                throw Diagnostic("\(error) (\(privateKeyFile))", at: nil,
                                 hint: error == .passphraseRequired || error == .wrongPassphrase
                                    ? "put the passphrase in PRIVATE_KEY_PASSPHRASE, or name the variable with private_key_passphrase_env"
                                    : (privateKeyFile.hasSuffix("/.infra/local/deployer.p8") ? "start the local endpoints with: infra local up" : nil))
            }
        case "oauth", "programmatic_access_token":
            guard let token else { throw missing("token_file", "SNOWFLAKE_TOKEN") }
            authentication = authenticator == "oauth" ? .oauth(token: token) : .programmaticAccessToken(token)
        default:
            throw Diagnostic("unsupported Snowflake authenticator '\(authenticator)'", at: nil,
                             hint: "use snowflake_jwt, oauth or programmatic_access_token")
        }
        var url = snowflakeAccount.defaultEndpoint
        if let endpoint {
            let text = endpoint.contains("://") ? endpoint : "https://\(endpoint)"
            guard let parsed = URL(string: text) else { throw Diagnostic("the Snowflake endpoint '\(endpoint)' is not a URL", at: nil) }
            url = parsed
        }
        // The SQL API's context fields are case-sensitive and must match the names as SHOW reports them
        // (SQL API guide, submitting requests): `loader_wh` means LOADER_WH, `"Mixed"` means Mixed.
        func stored(_ name: String?) -> String? { name.map { SnowflakeName(parsing: $0).stored } }
        let context = StatementContext(role: stored(role), warehouse: stored(warehouse), database: stored(database), schema: stored(schema))
        return SQLAPIClient(SQLAPIConfiguration(endpoint: url, authentication: authentication, context: context))
    }
}
