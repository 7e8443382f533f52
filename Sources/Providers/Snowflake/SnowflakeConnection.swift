import Foundation
import InfraEngine
import SnowflakeSQLAPI

/// Where and as whom infra talks to Snowflake, gathered with the Snowflake CLI's precedence. Each setting
/// comes from the first of: the environment file's `snowflake:` block (our command line);
/// `SNOWFLAKE_CONNECTIONS_<NAME>_<KEY>`; the named connection in `connections.toml`, or in `config.toml`
/// `[connections.<name>]` when there is no connections.toml; generic `SNOWFLAKE_<KEY>` variables. The files live in
/// `SNOWFLAKE_HOME` (else ~/.snowflake); the connection is the block's `connection:`, else
/// `SNOWFLAKE_DEFAULT_CONNECTION_NAME`, else the files' `default_connection_name`, else `default`.
public struct SnowflakeConnectionSettings: Sendable, Equatable {
    public var account: String?
    public var user: String?
    public var role: String?
    public var warehouse: String?
    public var database: String?
    public var schema: String?
    /// Our own full SQL API URL (`endpoint:`, SNOWFLAKE_SQL_API_ENDPOINT); wins over host/port/protocol.
    public var endpoint: String?
    public var host: String?
    public var port: String?
    public var `protocol`: String?
    public var authenticator: String
    public var privateKeyFile: String?
    public var privateKeyPassphrase: String?
    public var token: String?
    /// Where each setting came from, for error messages.
    public var origin: String
    /// The folder of connections.toml and config.toml, for messages.
    public var snowflakeHome: String

    /// Generic variables for keys whose name is not simply `SNOWFLAKE_<KEY>`.
    static let genericVariables: [String: [String]] = [
        "endpoint": ["SNOWFLAKE_SQL_API_ENDPOINT"],
        "private_key_file": ["SNOWFLAKE_PRIVATE_KEY_FILE", "SNOWFLAKE_PRIVATE_KEY_PATH"],
    ]
    /// Other names the connection files use for a key.
    static let fileAliases: [String: [String]] = ["private_key_file": ["private_key_path"], "token_file": ["token_file_path"]]

    public static func resolve(block: [String: Value], environment: [String: String], home: String, projectRoot: String,
                               environmentFile: String?) throws -> SnowflakeConnectionSettings {
        let folder = ConnectionsFile.home(environment: environment, home: home)
        let files: (connections: ConnectionsFile?, config: ConnectionsFile?)
        do {
            files = try ConnectionsFile.load(folder: folder)
        } catch let error as TOMLError {
            throw Diagnostic(error.message, at: SourceLocation(file: error.file, line: error.line, column: error.column),
                             hint: "the Snowflake connection files are TOML; see https://toml.io")
        }
        func nonEmpty(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let connectionName = block["connection"]?.stringValue ?? nonEmpty("SNOWFLAKE_DEFAULT_CONNECTION_NAME")
            ?? files.connections?.defaultName ?? files.config?.defaultName ?? "default"
        let variablePrefix = "SNOWFLAKE_CONNECTIONS_\(connectionName.uppercased())_"
        let fromConnections = files.connections?.connections[connectionName]
        // "If a connections.toml file exists, Snowflake CLI uses the connections defined in it instead of
        // those defined in the config.toml file" (Configuring Snowflake CLI).
        let fromConfig = files.connections == nil ? files.config?.connections[connectionName] : nil
        if block["connection"] != nil, fromConnections == nil, fromConfig == nil,
           !environment.keys.contains(where: { $0.hasPrefix(variablePrefix) }) {
            throw Diagnostic("no connection named '\(connectionName)' in \(folder)/connections.toml or \(folder)/config.toml", at:
                                environmentFile.map { SourceLocation(file: $0, line: 1, column: 1) },
                             hint: "add a [\(connectionName)] table to connections.toml (or [connections.\(connectionName)] to config.toml)"
                                + ", or set account, user and private_key_file in the snowflake block")
        }

        func setting(_ key: String) -> String? {
            if let v = block[key]?.stringValue ?? block[key].flatMap(Self.text), !v.isEmpty { return v }
            let keys = [key] + (fileAliases[key] ?? [])
            for k in keys { if let v = nonEmpty(variablePrefix + k.uppercased()) { return v } }
            for connection in [fromConnections, fromConfig] {
                for k in keys { if let v = connection?[k], !v.isEmpty { return v } }
            }
            for name in genericVariables[key] ?? ["SNOWFLAKE_\(key.uppercased())"] { if let v = nonEmpty(name) { return v } }
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
            passphrase = setting("private_key_file_pwd") ?? setting("private_key_passphrase") ?? nonEmpty("PRIVATE_KEY_PASSPHRASE")
        }
        var token = setting("token")
        if token == nil, let tokenFile = path(setting("token_file")) {
            token = (try? String(contentsOfFile: tokenFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return SnowflakeConnectionSettings(
            account: setting("account"), user: setting("user"), role: setting("role"), warehouse: setting("warehouse"),
            database: setting("database"), schema: setting("schema"), endpoint: setting("endpoint"), host: setting("host"),
            port: setting("port"), protocol: setting("protocol"),
            authenticator: (setting("authenticator") ?? "snowflake_jwt").lowercased(),
            privateKeyFile: path(setting("private_key_file")),
            privateKeyPassphrase: passphrase, token: token,
            origin: environmentFile ?? "the environment", snowflakeHome: folder)
    }

    /// The same account and endpoint, signed in as a service user with its own key pair (a task's `as:`). The
    /// deployer's role, warehouse and namespace are not carried over: the session gets the user's defaults, so a
    /// task sees what the user itself may do. `role`, when given, is requested as the session's primary role.
    public func signingIn(as user: TaskUser, role: String?, projectRoot: String, environment: [String: String]) -> SnowflakeConnectionSettings {
        var settings = self
        settings.user = user.name
        settings.authenticator = "snowflake_jwt"
        settings.privateKeyFile = user.privateKeyFile.hasPrefix("/") ? user.privateKeyFile : "\(projectRoot)/\(user.privateKeyFile)"
        settings.privateKeyPassphrase = user.passphraseVariable.flatMap { environment[$0] }
        settings.token = nil
        settings.role = role
        settings.warehouse = nil
        settings.database = nil
        settings.schema = nil
        settings.origin = "user \(user.name) (a task's `as:`)"
        return settings
    }

    private static func text(_ value: Value) -> String? {
        switch value {
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    /// `endpoint` when given; else `protocol://host:port` with the connector's defaults (https, the
    /// account's host, 443).
    func sqlAPIURL() throws -> URL {
        if let endpoint {
            let text = endpoint.contains("://") ? endpoint : "https://\(endpoint)"
            guard let parsed = URL(string: text), parsed.host != nil else {
                throw Diagnostic("the Snowflake endpoint '\(endpoint)' is not a URL", at: nil)
            }
            return parsed
        }
        let scheme = (self.protocol ?? "https").lowercased()
        guard scheme == "https" || scheme == "http" else {
            throw Diagnostic("the Snowflake protocol '\(self.protocol ?? "")' is neither https nor http", at: nil,
                             hint: "set protocol to https (the default) or http (local emulators)")
        }
        if let port, Int(port).map({ (1...65535).contains($0) }) != true {
            throw Diagnostic("the Snowflake port '\(port)' is not a port number", at: nil)
        }
        var components = URLComponents()
        components.scheme = scheme
        components.host = host.map { $0.contains("://") ? (URL(string: $0)?.host ?? $0) : $0 } ?? account.flatMap { SnowflakeAccount($0).defaultEndpoint.host }
        components.port = port.flatMap { Int($0) }
        guard let url = components.url, components.host?.isEmpty == false else {
            throw Diagnostic("the Snowflake host '\(host ?? "")' does not make a URL", at: nil)
        }
        return url
    }

    /// The SQL API client these settings describe. Reads the key file; makes no request.
    public func client() throws -> SQLAPIClient {
        func missing(_ what: String, _ variable: String) -> Diagnostic {
            Diagnostic("no Snowflake \(what) is configured for \(origin)", at: nil,
                       hint: "set `\(what)` in the environment's snowflake block, \(variable), or a connection in \(snowflakeHome)/connections.toml")
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
        let url = try sqlAPIURL()
        // The SQL API's context fields are case-sensitive and must match the names as SHOW reports them
        // (SQL API guide, submitting requests): `loader_wh` means LOADER_WH, `"Mixed"` means Mixed.
        func stored(_ name: String?) -> String? { name.map { SnowflakeName(parsing: $0).stored } }
        let context = StatementContext(role: stored(role), warehouse: stored(warehouse), database: stored(database), schema: stored(schema))
        return SQLAPIClient(SQLAPIConfiguration(endpoint: url, authentication: authentication, context: context))
    }
}
