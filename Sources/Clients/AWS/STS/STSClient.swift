import Foundation
import SigV4

public struct CallerIdentity: Sendable, Equatable {
    public var account: String
    public var arn: String
    public var userId: String
}

public struct AssumedRoleCredentials: Sendable, Equatable {
    public var credentials: SigningCredentials
    /// ISO 8601, as STS sent it.
    public var expiration: String?
    public var assumedRoleArn: String?
    public var assumedRoleId: String?
}

/// STS's query API: who am I, and temporary credentials for a role.
public struct STSClient: Sendable {
    public let endpoint: ServiceEndpoint
    public let calls: CallCounter
    let query: QueryProtocolClient

    public init(configuration: AWSClientConfiguration, calls: CallCounter = CallCounter()) {
        endpoint = configuration.endpoint(for: "sts")
        self.calls = calls
        query = QueryProtocolClient(
            executor: RequestExecutor(service: "sts", endpoint: endpoint, rules: .generic,
                                      configuration: configuration, counter: calls),
            version: "2011-06-15")
    }

    public func getCallerIdentity() async throws -> CallerIdentity {
        let result = try await query.call("GetCallerIdentity")
        return CallerIdentity(account: result.value("Account")?.trimmed ?? "", arn: result.value("Arn")?.trimmed ?? "",
                              userId: result.value("UserId")?.trimmed ?? "")
    }

    /// Each call returns fresh credentials and changes nothing, so it is safe to retry.
    public func assumeRole(roleArn: String, sessionName: String, externalId: String? = nil,
                           durationSeconds: Int? = nil) async throws -> AssumedRoleCredentials {
        let result = try await query.call("AssumeRole", [
            ("RoleArn", roleArn), ("RoleSessionName", sessionName), ("ExternalId", externalId),
            ("DurationSeconds", durationSeconds.map(String.init)),
        ])
        return try Self.assumedCredentials(result, action: "AssumeRole")
    }

    /// The `<Credentials>` and `<AssumedRoleUser>` of an AssumeRole* result.
    static func assumedCredentials(_ result: XMLTree, action: String) throws -> AssumedRoleCredentials {
        guard let credentials = result.child("Credentials"),
              let accessKeyId = credentials.value("AccessKeyId")?.trimmed,
              let secret = credentials.value("SecretAccessKey")?.trimmed else {
            throw AWSResponseError(service: "sts", action: action, reason: "no Credentials element")
        }
        return AssumedRoleCredentials(
            credentials: SigningCredentials(accessKeyId: accessKeyId, secretAccessKey: secret,
                                            sessionToken: credentials.value("SessionToken")?.trimmed),
            expiration: credentials.value("Expiration")?.trimmed,
            assumedRoleArn: result.child("AssumedRoleUser")?.value("Arn")?.trimmed,
            assumedRoleId: result.child("AssumedRoleUser")?.value("AssumedRoleId")?.trimmed)
    }
}
