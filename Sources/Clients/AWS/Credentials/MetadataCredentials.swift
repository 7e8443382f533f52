import Foundation
import SigV4

/// ECS/EKS-Pod-Identity container credentials: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (below
/// http://169.254.170.2) or `AWS_CONTAINER_CREDENTIALS_FULL_URI` (https, or plain http to a loopback or
/// the container agents' link-local addresses only), with the `Authorization` header read from
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (re-read on every refresh) or `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
struct ContainerCredentials {
    static let agentAddress = URL(string: "http://169.254.170.2")!
    static let allowedHTTPHosts: Set<String> = ["localhost", "::1", "[::1]", "169.254.170.2", "169.254.170.23", "fd00:ec2::23",
                                                "[fd00:ec2::23]"]
    var url: URL
    var tokenFile: String?
    var token: String?

    /// Nil when neither variable is set.
    init?(variables: [String: String], agent: URL = agentAddress) throws {
        func value(_ name: String) -> String? { variables[name].flatMap { $0.isEmpty ? nil : $0 } }
        let hint = "set AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, or a FULL_URI over https or to a loopback address"
        if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            guard let url = URL(string: agent.absoluteString + (relative.hasPrefix("/") ? "" : "/") + relative) else {
                throw CredentialsError.sourceFailed(source: "container credentials", reason: "the relative URI is not a URL path", hint: hint)
            }
            self.url = url
        } else if let full = value("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            guard let url = URL(string: full), let host = url.host, url.scheme == "https" || url.scheme == "http" else {
                throw CredentialsError.sourceFailed(source: "container credentials",
                                                    reason: "AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) URL", hint: hint)
            }
            guard url.scheme == "https" || host.hasPrefix("127.") || Self.allowedHTTPHosts.contains(host) else {
                throw CredentialsError.sourceFailed(source: "container credentials at \(redacted(url))",
                                                    reason: "plain http is only allowed to a loopback or container-agent address",
                                                    hint: hint)
            }
            self.url = url
        } else {
            return nil
        }
        tokenFile = value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        token = value("AWS_CONTAINER_AUTHORIZATION_TOKEN")
    }

    var source: String { "container credentials at \(redacted(url))" }

    func resolve(transport: any HTTPTransport) async throws -> ResolvedCredentials {
        let hint = "check the task or pod role and the AWS_CONTAINER_* variables"
        var headers: [HTTPHeader] = []
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw CredentialsError.sourceFailed(source: source, reason: "cannot read the token file \(tokenFile)", hint: hint)
            }
            headers.append(HTTPHeader("Authorization", String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        } else if let token {
            headers.append(HTTPHeader("Authorization", token))
        }
        let response = try await credentialsRequest(HTTPRequest(method: "GET", url: url, headers: headers), transport: transport,
                                                    timeout: 2, source: source, hint: hint)
        return try CredentialsDocument.credentials(from: response.body, source: source, hint: hint)
    }
}

/// EC2 instance metadata, IMDSv2 only: a session token from `PUT /latest/api/token`, then the role
/// name and its credentials under `/latest/meta-data/iam/security-credentials/`. The endpoint is
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT` (or the profile's `ec2_metadata_service_endpoint`), else
/// http://169.254.169.254 (http://[fd00:ec2::254] in IPv6 mode); `AWS_EC2_METADATA_DISABLED=true` turns it off.
struct InstanceMetadataCredentials {
    static let defaultEndpoint = URL(string: "http://169.254.169.254")!
    static let ipv6Endpoint = URL(string: "http://[fd00:ec2::254]")!
    var endpoint: URL
    /// Set explicitly (not the default address): a failure is then an error, not a source that does not apply.
    var explicit: Bool

    var source: String { "instance metadata at \(endpoint.absoluteString)" }

    func resolve(transport: any HTTPTransport) async throws -> ResolvedCredentials {
        let hint = "attach an instance profile with a role to this instance, or set AWS_EC2_METADATA_DISABLED=true"
        let base = endpoint.absoluteString.hasSuffix("/") ? String(endpoint.absoluteString.dropLast()) : endpoint.absoluteString
        func url(_ path: String) -> URL { URL(string: base + path)! }
        // IMDS answers quickly or not at all; the SDKs wait one second.
        let timeout: TimeInterval = 1
        let session = try await credentialsRequest(
            HTTPRequest(method: "PUT", url: url("/latest/api/token"), headers: [HTTPHeader("X-aws-ec2-metadata-token-ttl-seconds", "21600")]),
            transport: transport, timeout: timeout, source: source, hint: hint)
        let token = [HTTPHeader("X-aws-ec2-metadata-token", String(decoding: session.body, as: UTF8.self))]
        let roles = try await credentialsRequest(HTTPRequest(method: "GET", url: url("/latest/meta-data/iam/security-credentials/"), headers: token),
                                                 transport: transport, timeout: timeout, source: source, hint: hint)
        guard let role = String(decoding: roles.body, as: UTF8.self).split(whereSeparator: \.isNewline).first
            .map({ $0.trimmingCharacters(in: .whitespaces) }), !role.isEmpty else {
            throw CredentialsError.sourceFailed(source: source, reason: "the instance has no IAM role", hint: hint)
        }
        let roleSource = "instance metadata role \(role) at \(endpoint.absoluteString)"
        let answer = try await credentialsRequest(
            HTTPRequest(method: "GET", url: url("/latest/meta-data/iam/security-credentials/\(URIEncoding.encode(role))"), headers: token),
            transport: transport, timeout: timeout, source: roleSource, hint: hint)
        return try CredentialsDocument.credentials(from: answer.body, source: roleSource, hint: hint)
    }
}
