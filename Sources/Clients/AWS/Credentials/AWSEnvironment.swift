import Foundation
import SigV4

/// Credentials with where they came from (for messages; never the secret).
public struct ResolvedCredentials: Sendable, Equatable, CustomStringConvertible {
    public var credentials: SigningCredentials
    /// e.g. `environment`, `profile dev in /home/me/.aws/credentials`, `role arn:… via profile dev`.
    public var source: String
    /// ISO 8601 expiry of temporary credentials from AssumeRole.
    public var expiration: String?

    public var description: String { "\(credentials) from \(source)" }
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

/// Resolves credentials, region and endpoints the way the AWS CLI and SDKs do, from environment
/// variables and the shared `~/.aws/credentials` and `~/.aws/config` files.
public struct AWSEnvironment: Sendable {
    public var variables: [String: String]
    public var homeDirectory: String

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

    /// A full client configuration: credentials (assuming a role through STS when the profile says
    /// so), region, and endpoints (an explicit `endpointURL` wins over the environment's).
    public func configuration(explicit: ExplicitProfile? = nil, endpointURL: URL? = nil,
                              transport: any HTTPTransport = AutomaticTransport()) async throws -> AWSClientConfiguration {
        let profile = explicit?.profile ?? profileName
        let region = region(profile: profile)
        let endpoints = endpointURLs()
        var configuration = AWSClientConfiguration(
            credentials: SigningCredentials(accessKeyId: "", secretAccessKey: ""), region: region,
            endpointURL: endpointURL ?? endpoints.all,
            serviceEndpointURLs: endpointURL == nil ? endpoints.perService : [:], transport: transport)
        configuration.credentials = try await credentials(explicit: explicit, base: configuration).credentials
        return configuration
    }

    /// The chain: an explicit profile from the caller; then `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
    /// (+ `AWS_SESSION_TOKEN`); then the `AWS_PROFILE` (or `default`) profile of the shared files.
    /// `base` supplies region, endpoints and transport for STS when a profile assumes a role.
    public func credentials(explicit: ExplicitProfile? = nil, base: AWSClientConfiguration) async throws -> ResolvedCredentials {
        if let explicit, explicit.profile != nil || explicit.credentialsFile != nil {
            return try await profileCredentials(explicit.profile ?? profileName, files: files(explicit: explicit),
                                                base: base, chain: [])
        }
        if let fromEnvironment = environmentCredentials() { return fromEnvironment }
        let files = files(explicit: nil)
        guard files.has(profile: profileName) else {
            throw CredentialsError.noCredentials(tried: [
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", "profile \(profileName) in \(credentialsPath) and \(configPath)",
            ])
        }
        return try await profileCredentials(profileName, files: files, base: base, chain: [])
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

    func profileCredentials(_ name: String, files: ProfileFiles, base: AWSClientConfiguration,
                            chain: [String]) async throws -> ResolvedCredentials {
        if chain.contains(name) { throw CredentialsError.sourceProfileCycle(chain + [name]) }
        guard files.has(profile: name) else {
            throw CredentialsError.profileNotFound(profile: name, files: [files.credentialsPath, files.configPath])
        }
        if let roleArn = files.setting("role_arn", profile: name) {
            return try await assumeRole(roleArn, profile: name, files: files, base: base, chain: chain + [name])
        }
        guard let id = files.setting("aws_access_key_id", profile: name),
              let secret = files.setting("aws_secret_access_key", profile: name) else {
            throw CredentialsError.incompleteProfile(
                profile: name, reason: "needs aws_access_key_id and aws_secret_access_key, or role_arn")
        }
        return ResolvedCredentials(
            credentials: SigningCredentials(accessKeyId: id, secretAccessKey: secret,
                                            sessionToken: files.setting("aws_session_token", profile: name)),
            source: "profile \(name) in \(files.source(of: "aws_access_key_id", profile: name))", expiration: nil)
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
        } else if files.setting("credential_source", profile: profile) == "Environment",
                  let fromEnvironment = environmentCredentials() {
            source = fromEnvironment
        } else {
            throw CredentialsError.incompleteProfile(
                profile: profile, reason: "role_arn needs source_profile (or credential_source = Environment)")
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
