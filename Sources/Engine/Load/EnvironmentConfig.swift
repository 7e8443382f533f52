import Foundation

/// An environment says where a stack goes and with which values: environments/NAME.yaml.
public struct EnvironmentConfig: Sendable {
    public var name: String
    public var file: String?
    public var description: String?
    /// Nothing is deleted or replaced in a protected environment without `--force`.
    public var isProtected: Bool
    public var aws: [String: Value]?
    public var snowflake: [String: Value]?
    public var backend: StateBackendConfig
    public var vars: [String: ScopedNode]

    public init(name: String, file: String? = nil, description: String? = nil, isProtected: Bool = false,
                aws: [String: Value]? = nil, snowflake: [String: Value]? = nil, backend: StateBackendConfig = .local(path: nil),
                vars: [String: ScopedNode] = [:])
    {
        self.name = name
        self.file = file
        self.description = description
        self.isProtected = isProtected
        self.aws = aws
        self.snowflake = snowflake
        self.backend = backend
        self.vars = vars
    }

    /// What `${env.…}` sees: names and places, never credentials.
    public var value: Value {
        var map: [String: Value] = ["name": .string(name), "protected": .bool(isProtected)]
        if let aws { map["aws"] = .map(aws) }
        if let snowflake { map["snowflake"] = .map(snowflake) }
        return .map(map)
    }

    static let awsSchema: [PropertySchema] = [
        PropertySchema("region", .string, summary: "AWS region; AWS_REGION or the profile's region otherwise"),
        PropertySchema("account_id", .string, summary: "the 12-digit account id, used for ARNs at plan time"),
        PropertySchema("endpoint", .string, summary: "a custom endpoint such as the local AWS; AWS_ENDPOINT_URL otherwise"),
        PropertySchema("profile", .string, summary: "a profile in ~/.aws/config and ~/.aws/credentials"),
        PropertySchema("credentials_file", .string, summary: "a shared credentials file instead of ~/.aws/credentials"),
        PropertySchema("config_file", .string, summary: "a shared config file instead of ~/.aws/config"),
        PropertySchema("assume_role", .object([
            PropertySchema("role_arn", .string, required: true),
            PropertySchema("external_id", .string),
            PropertySchema("session_name", .string),
        ]), summary: "deploy into another account through STS AssumeRole"),
    ]

    static let snowflakeSchema: [PropertySchema] = [
        PropertySchema("account", .string, summary: "account identifier; SNOWFLAKE_ACCOUNT otherwise"),
        PropertySchema("user", .string),
        PropertySchema("role", .string),
        PropertySchema("warehouse", .string),
        PropertySchema("database", .string),
        PropertySchema("private_key_file", .string, summary: "PKCS#8 key for keypair JWT authentication"),
        PropertySchema("private_key_passphrase_env", .string, summary: "the variable holding the key's passphrase"),
        PropertySchema("authenticator", .enumeration(["snowflake_jwt", "oauth", "programmatic_access_token"], caseInsensitive: true)),
        PropertySchema("token_file", .string, summary: "a file holding an OAuth or programmatic access token"),
        PropertySchema("connection", .string, summary: "a connection in connections.toml or config.toml of SNOWFLAKE_HOME (~/.snowflake)"),
        PropertySchema("endpoint", .string, summary: "a custom SQL API endpoint such as the local emulator"),
        PropertySchema("host", .string, summary: "the account's host name; SNOWFLAKE_HOST or <account>.snowflakecomputing.com otherwise"),
        PropertySchema("port", .int, summary: "443 unless set"),
        PropertySchema("protocol", .enumeration(["https", "http"], caseInsensitive: true), summary: "https unless set"),
    ]

    static let backendSchema: [PropertySchema] = [
        PropertySchema("local", .object([PropertySchema("path", .string)])),
        PropertySchema("s3", .object([
            PropertySchema("bucket", .string, required: true),
            PropertySchema("key", .string, required: true),
            PropertySchema("region", .string),
        ])),
    ]
}

public enum StateBackendConfig: Sendable, Equatable {
    case local(path: String?)
    case s3(bucket: String, key: String, region: String?)
}
