import Foundation
import SigV4

/// Credentials with where they came from (for messages; never the secret).
public struct ResolvedCredentials: Sendable, Equatable, CustomStringConvertible {
    public var credentials: SigningCredentials
    /// e.g. `environment`, `profile dev in /home/me/.aws/credentials`, `role arn:… via profile dev`.
    public var source: String
    /// ISO 8601 expiry of temporary credentials (STS, SSO, processes, container and instance metadata).
    public var expiration: String?

    public var description: String { "\(credentials) from \(source)" }

    public init(credentials: SigningCredentials, source: String, expiration: String?) {
        self.credentials = credentials
        self.source = source
        self.expiration = expiration
    }

    /// When temporary credentials stop working; nil for long-term keys.
    public var expiresAt: Date? { expiration.flatMap(Self.date(iso8601:)) }

    static func date(iso8601 text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    static func iso8601(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

/// A credentials file and profile named explicitly by the caller (our environment file), which
/// take precedence like the AWS tools' `--profile`.
public struct ExplicitProfile: Sendable, Equatable {
    public var credentialsFile: String?
    public var profile: String?
    public init(credentialsFile: String? = nil, profile: String? = nil) {
        self.credentialsFile = credentialsFile
        self.profile = profile
    }
}

/// Resolves credentials, region and endpoints the way the AWS CLI and SDKs do: environment variables,
/// the shared `~/.aws/credentials` and `~/.aws/config` files (roles, web identity, SSO, processes), then
/// container and instance credentials. The order is botocore's `create_credential_resolver`.
public struct AWSEnvironment: Sendable {
    public var variables: [String: String]
    public var homeDirectory: String
    /// Where ECS's agent answers relative container-credential URIs; tests point this at a loopback server.
    var containerAgent = ContainerCredentials.agentAddress

    public init(variables: [String: String] = ProcessInfo.processInfo.environment, homeDirectory: String? = nil) {
        self.variables = variables
        self.homeDirectory = homeDirectory ?? variables["HOME"] ?? NSHomeDirectory()
    }

    var credentialsPath: String {
        expand(variables["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials")
    }

    var configPath: String { expand(variables["AWS_CONFIG_FILE"] ?? "~/.aws/config") }

    func expand(_ path: String) -> String {
        path == "~" ? homeDirectory : path.hasPrefix("~/") ? homeDirectory + path.dropFirst() : path
    }

    func nonEmpty(_ name: String) -> String? {
        variables[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else `default`.
    public var profileName: String { nonEmpty("AWS_PROFILE") ?? nonEmpty("AWS_DEFAULT_PROFILE") ?? "default" }

    /// `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, else us-east-1.
    public func region(profile: String? = nil) -> String {
        if let region = nonEmpty("AWS_REGION") ?? nonEmpty("AWS_DEFAULT_REGION") { return region }
        return files(explicit: nil).setting("region", profile: profile ?? profileName) ?? "us-east-1"
    }

    /// `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` for the services given.
    public func endpointURLs(services: [String] = ["s3", "iam", "sts"]) -> (all: URL?, perService: [String: URL]) {
        var perService: [String: URL] = [:]
        for service in services {
            if let text = nonEmpty("AWS_ENDPOINT_URL_\(service.uppercased())"), let url = URL(string: text) {
                perService[service] = url
            }
        }
        return (nonEmpty("AWS_ENDPOINT_URL").flatMap(URL.init(string:)), perService)
    }

    /// Region and endpoints (an explicit `endpointURL` wins over the environment's), without credentials.
    public func baseConfiguration(explicit: ExplicitProfile? = nil, endpointURL: URL? = nil,
                                  transport: any HTTPTransport = CurlTransport()) -> AWSClientConfiguration {
        let endpoints = endpointURLs()
        return AWSClientConfiguration(
            credentials: SigningCredentials(accessKeyId: "", secretAccessKey: ""), region: region(profile: explicit?.profile ?? profileName),
            endpointURL: endpointURL ?? endpoints.all,
            serviceEndpointURLs: endpointURL == nil ? endpoints.perService : [:], transport: transport)
    }

    /// A full client configuration: credentials from the chain, region, and endpoints.
    public func configuration(explicit: ExplicitProfile? = nil, endpointURL: URL? = nil,
                              transport: any HTTPTransport = CurlTransport()) async throws -> AWSClientConfiguration {
        var configuration = baseConfiguration(explicit: explicit, endpointURL: endpointURL, transport: transport)
        configuration.credentials = try await credentials(explicit: explicit, base: configuration).credentials
        return configuration
    }

    /// The chain, in botocore's order (the AWS SDKs' default chain):
    /// 1. a profile named by the caller (our environment file), like `--profile`: the profile sources
    ///    below, without the environment variables;
    /// 2. `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`);
    /// 3. the `AWS_PROFILE` (or `default`) profile: `role_arn` with `source_profile`/`credential_source`;
    ///    web identity (the profile's `web_identity_token_file`, or `AWS_WEB_IDENTITY_TOKEN_FILE` with
    ///    `AWS_ROLE_ARN`); SSO; static keys of the credentials file; `credential_process`; static keys of
    ///    the config file;
    /// 4. ECS container credentials (`AWS_CONTAINER_CREDENTIALS_*`);
    /// 5. EC2 instance metadata (IMDSv2) unless `AWS_EC2_METADATA_DISABLED=true`.
    /// `base` supplies region, endpoints and transport for the STS, SSO and metadata calls.
    public func credentials(explicit: ExplicitProfile? = nil, base: AWSClientConfiguration) async throws -> ResolvedCredentials {
        var tried: [String] = []
        if let explicit, explicit.profile != nil || explicit.credentialsFile != nil {
            let name = explicit.profile ?? profileName
            let files = files(explicit: explicit)
            guard files.has(profile: name) else {
                throw CredentialsError.profileNotFound(profile: name, files: [files.credentialsPath, files.configPath])
            }
            if let found = try await profileChain(name, files: files, base: base, chain: [], environmentAllowed: false) { return found }
            throw CredentialsError.incompleteProfile(profile: name, reason: Self.profileNeeds)
        }
        if let fromEnvironment = environmentCredentials() { return fromEnvironment }
        tried.append("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
        let files = files(explicit: nil)
        if files.has(profile: profileName) {
            if let found = try await profileChain(profileName, files: files, base: base, chain: [], environmentAllowed: true) {
                return found
            }
        } else if nonEmpty("AWS_PROFILE") ?? nonEmpty("AWS_DEFAULT_PROFILE") != nil {
            throw CredentialsError.profileNotFound(profile: profileName, files: [files.credentialsPath, files.configPath])
        } else if let webIdentity = try webIdentity(profile: nil, files: files, environmentAllowed: true) {
            return try await webIdentity.resolve(base: base)
        }
        tried.append("web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)")
        tried.append("profile \(profileName) in \(credentialsPath) and \(configPath)")
        if let container = try ContainerCredentials(variables: variables, agent: containerAgent) {
            return try await container.resolve(transport: base.transport)
        }
        tried.append("container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI)")
        if let metadata = instanceMetadata(files: files) {
            do {
                return try await metadata.resolve(transport: base.transport)
            } catch is CredentialsError where !metadata.explicit {
                // Off EC2 the default address does not answer: that source just does not apply.
                tried.append("\(metadata.source) (no credentials there)")
            }
        } else {
            tried.append("instance metadata (disabled by AWS_EC2_METADATA_DISABLED)")
        }
        throw CredentialsError.noCredentials(tried: tried)
    }

    static let profileNeeds = "needs aws_access_key_id and aws_secret_access_key, or role_arn"


    func instanceMetadata(files: ProfileFiles) -> InstanceMetadataCredentials? {
        if nonEmpty("AWS_EC2_METADATA_DISABLED")?.lowercased() == "true" { return nil }
        if let text = nonEmpty("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? files.setting("ec2_metadata_service_endpoint", profile: profileName),
           let url = URL(string: text) {
            return InstanceMetadataCredentials(endpoint: url, explicit: true)
        }
        let ipv6 = (nonEmpty("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
            ?? files.setting("ec2_metadata_service_endpoint_mode", profile: profileName))?.lowercased() == "ipv6"
        return InstanceMetadataCredentials(endpoint: ipv6 ? InstanceMetadataCredentials.ipv6Endpoint : InstanceMetadataCredentials.defaultEndpoint,
                                           explicit: false)
    }

    func environmentCredentials() -> ResolvedCredentials? {
        guard let id = nonEmpty("AWS_ACCESS_KEY_ID"), let secret = nonEmpty("AWS_SECRET_ACCESS_KEY") else { return nil }
        return ResolvedCredentials(credentials: SigningCredentials(accessKeyId: id, secretAccessKey: secret,
                                                                   sessionToken: nonEmpty("AWS_SESSION_TOKEN")),
                                   source: "environment", expiration: nil)
    }

    func files(explicit: ExplicitProfile?) -> ProfileFiles {
        let credentialsPath = explicit?.credentialsFile.map(expand) ?? self.credentialsPath
        return ProfileFiles(credentialsPath: credentialsPath,
                            credentials: SharedConfigFile.load(path: credentialsPath, isConfigFile: false),
                            configPath: configPath, config: SharedConfigFile.load(path: configPath, isConfigFile: true))
    }

    /// The profile sources in order; nil when the profile holds none of them.
    func profileChain(_ name: String, files: ProfileFiles, base: AWSClientConfiguration, chain: [String],
                      environmentAllowed: Bool) async throws -> ResolvedCredentials? {
        if chain.contains(name) { throw CredentialsError.sourceProfileCycle(chain + [name]) }
        guard files.has(profile: name) else {
            throw CredentialsError.profileNotFound(profile: name, files: [files.credentialsPath, files.configPath])
        }
        if let roleArn = files.setting("role_arn", profile: name), files.setting("web_identity_token_file", profile: name) == nil {
            return try await assumeRole(roleArn, profile: name, files: files, base: base, chain: chain + [name])
        }
        if let webIdentity = try webIdentity(profile: name, files: files, environmentAllowed: environmentAllowed) {
            return try await webIdentity.resolve(base: base)
        }
        if let sso = try SSOProfile(profile: name, files: files) {
            return try await sso.resolve(home: homeDirectory, portal: nonEmpty("AWS_ENDPOINT_URL_SSO").flatMap(URL.init(string:)),
                                         transport: base.transport)
        }
        if let found = try staticKeys(name, in: files.credentials, path: files.credentialsPath) { return found }
        if let command = files.setting("credential_process", profile: name) {
            return try await ProcessCredentials.resolve(commandLine: command, profile: name, environment: variables)
        }
        return try staticKeys(name, in: files.config, path: files.configPath)
    }

    /// A role assumed by a source profile must end in credentials: a source that holds none is an error.
    func profileCredentials(_ name: String, files: ProfileFiles, base: AWSClientConfiguration,
                            chain: [String]) async throws -> ResolvedCredentials {
        guard let found = try await profileChain(name, files: files, base: base, chain: chain, environmentAllowed: false) else {
            throw CredentialsError.incompleteProfile(profile: name, reason: Self.profileNeeds)
        }
        return found
    }

    /// Both keys, or neither (half a pair is an error, as in the SDKs).
    func staticKeys(_ name: String, in file: SharedConfigFile?, path: String) throws -> ResolvedCredentials? {
        guard let settings = file?.profiles[name] else { return nil }
        let id = settings["aws_access_key_id"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = settings["aws_secret_access_key"].flatMap { $0.isEmpty ? nil : $0 }
        guard let id, let secret else {
            if id != nil || secret != nil { throw CredentialsError.incompleteProfile(profile: name, reason: Self.profileNeeds) }
            return nil
        }
        return ResolvedCredentials(
            credentials: SigningCredentials(accessKeyId: id, secretAccessKey: secret,
                                            sessionToken: settings["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }),
            source: "profile \(name) in \(path)", expiration: nil)
    }

    func webIdentity(profile: String?, files: ProfileFiles, environmentAllowed: Bool) throws -> WebIdentityCredentials? {
        let fromProfile = profile.flatMap { files.setting("web_identity_token_file", profile: $0) }
        let tokenFile = fromProfile ?? (environmentAllowed ? nonEmpty("AWS_WEB_IDENTITY_TOKEN_FILE") : nil)
        guard let tokenFile else { return nil }
        let roleArn = fromProfile != nil ? profile.flatMap { files.setting("role_arn", profile: $0) } : nonEmpty("AWS_ROLE_ARN")
        guard let roleArn else {
            throw CredentialsError.sourceFailed(source: "web identity token \(tokenFile)", reason: "no role to assume",
                                                hint: fromProfile != nil ? "set role_arn in profile \(profile!)" : "set AWS_ROLE_ARN")
        }
        let sessionName = (fromProfile != nil ? profile.flatMap { files.setting("role_session_name", profile: $0) } : nil)
            ?? nonEmpty("AWS_ROLE_SESSION_NAME")
        return WebIdentityCredentials(tokenFile: expand(tokenFile), roleArn: roleArn, sessionName: sessionName,
                                      regionFromProfile: profile.flatMap { files.setting("region", profile: $0) },
                                      regionFromEnvironment: nonEmpty("AWS_REGION") ?? nonEmpty("AWS_DEFAULT_REGION"))
    }

    func assumeRole(_ roleArn: String, profile: String, files: ProfileFiles, base: AWSClientConfiguration,
                    chain: [String]) async throws -> ResolvedCredentials {
        let source: ResolvedCredentials
        if let sourceProfile = files.setting("source_profile", profile: profile) {
            // A profile may name itself as source when it also holds static keys.
            if sourceProfile == profile, files.setting("aws_access_key_id", profile: profile) != nil {
                var staticOnly = files
                staticOnly.remove("role_arn", profile: profile)
                source = try await profileCredentials(profile, files: staticOnly, base: base, chain: [])
            } else {
                source = try await profileCredentials(sourceProfile, files: files, base: base, chain: chain)
            }
        } else if let credentialSource = files.setting("credential_source", profile: profile) {
            source = try await namedSource(credentialSource, profile: profile, files: files, base: base)
        } else {
            throw CredentialsError.incompleteProfile(
                profile: profile, reason: "role_arn needs source_profile (or credential_source = Environment, EcsContainer or Ec2InstanceMetadata)")
        }
        var stsConfiguration = base
        stsConfiguration.credentials = source.credentials
        if let region = files.setting("region", profile: profile), nonEmpty("AWS_REGION") == nil,
           nonEmpty("AWS_DEFAULT_REGION") == nil {
            stsConfiguration.region = region
        }
        let sessionName = files.setting("role_session_name", profile: profile)
            ?? "infra-\(Int(Date().timeIntervalSince1970))"
        let duration = files.setting("duration_seconds", profile: profile).flatMap { Int($0) }
        let assumed = try await STSClient(configuration: stsConfiguration).assumeRole(
            roleArn: roleArn, sessionName: sessionName, externalId: files.setting("external_id", profile: profile),
            durationSeconds: duration)
        return ResolvedCredentials(credentials: assumed.credentials,
                                   source: "role \(roleArn) via profile \(profile) (\(source.source))",
                                   expiration: assumed.expiration)
    }

    /// `credential_source` of a role profile: where the credentials that assume the role come from.
    func namedSource(_ name: String, profile: String, files: ProfileFiles, base: AWSClientConfiguration) async throws -> ResolvedCredentials {
        let failure = { (reason: String) in
            CredentialsError.sourceFailed(source: "credential_source \(name) of profile \(profile)", reason: reason,
                                          hint: "credential_source is one of Environment, EcsContainer, Ec2InstanceMetadata")
        }
        switch name {
        case "Environment":
            guard let found = environmentCredentials() else { throw failure("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set") }
            return found
        case "EcsContainer":
            guard let container = try ContainerCredentials(variables: variables, agent: containerAgent) else {
                throw failure("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI are not set")
            }
            return try await container.resolve(transport: base.transport)
        case "Ec2InstanceMetadata":
            guard let metadata = instanceMetadata(files: files) else { throw failure("AWS_EC2_METADATA_DISABLED is true") }
            return try await metadata.resolve(transport: base.transport)
        default:
            throw failure("unknown source")
        }
    }
}

/// The credentials and config files read together: a setting in the credentials file wins.
struct ProfileFiles: Sendable {
    var credentialsPath: String
    var credentials: SharedConfigFile?
    var configPath: String
    var config: SharedConfigFile?

    func has(profile: String) -> Bool {
        credentials?.profiles[profile] != nil || config?.profiles[profile] != nil
    }

    func setting(_ key: String, profile: String) -> String? {
        let value = credentials?.profiles[profile]?[key] ?? config?.profiles[profile]?[key]
        return value.flatMap { $0.isEmpty ? nil : $0 }
    }

    func source(of key: String, profile: String) -> String {
        credentials?.profiles[profile]?[key] != nil ? credentialsPath : configPath
    }

    mutating func remove(_ key: String, profile: String) {
        credentials?.profiles[profile]?[key] = nil
        config?.profiles[profile]?[key] = nil
    }
}
