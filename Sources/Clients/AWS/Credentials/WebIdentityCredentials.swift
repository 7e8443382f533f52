import Foundation

/// AssumeRoleWithWebIdentity with an OIDC token from a file (CI systems, EKS service accounts):
/// `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` [+ `AWS_ROLE_SESSION_NAME`], or a profile's
/// `web_identity_token_file` + `role_arn` [+ `role_session_name`]. The file is read again on every
/// refresh, since the issuer rotates it.
struct WebIdentityCredentials {
    var tokenFile: String
    var roleArn: String
    var sessionName: String?
    var regionFromProfile: String?
    var regionFromEnvironment: String?

    var source: String { "web identity role \(roleArn) (token \(tokenFile))" }

    func resolve(base: AWSClientConfiguration) async throws -> ResolvedCredentials {
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw CredentialsError.sourceFailed(source: source, reason: "cannot read the token file",
                                                hint: "check AWS_WEB_IDENTITY_TOKEN_FILE (or web_identity_token_file) and that the CI job may request an OIDC token")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        var configuration = base
        if regionFromEnvironment == nil, let regionFromProfile { configuration.region = regionFromProfile }
        do {
            let assumed = try await STSClient(configuration: configuration).assumeRoleWithWebIdentity(
                roleArn: roleArn, sessionName: sessionName ?? "infra-\(Int(Date().timeIntervalSince1970))", webIdentityToken: token)
            return ResolvedCredentials(credentials: assumed.credentials, source: source, expiration: assumed.expiration)
        } catch let error as AWSError {
            throw CredentialsError.sourceFailed(source: source, reason: "STS AssumeRoleWithWebIdentity: \(error)",
                                                hint: "the role's trust policy must allow this token's issuer, audience and subject")
        } catch let error as TransportError {
            throw CredentialsError.sourceFailed(source: source, reason: "STS at \(configuration.endpoint(for: "sts").url.absoluteString): \(error)",
                                                hint: "check the network, or AWS_ENDPOINT_URL_STS")
        }
    }
}
