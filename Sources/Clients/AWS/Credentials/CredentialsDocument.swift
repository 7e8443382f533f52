import Foundation
import SigV4

/// The JSON that `credential_process`, the ECS container endpoint and instance metadata answer with:
/// `AccessKeyId`, `SecretAccessKey`, a session token (`SessionToken` from processes, `Token` from the
/// endpoints) and an ISO 8601 `Expiration`.
struct CredentialsDocument: Decodable {
    var Version: Int?
    var AccessKeyId: String?
    var SecretAccessKey: String?
    var SessionToken: String?
    var Token: String?
    var Expiration: String?
    /// Instance metadata says `Success`, or why not.
    var Code: String?
    var Message: String?

    /// Parses and checks the document; `source` and `hint` go into the error, never any of the values.
    static func credentials(from data: Data, source: String, hint: String) throws -> ResolvedCredentials {
        guard let document = try? JSONDecoder().decode(CredentialsDocument.self, from: data) else {
            throw CredentialsError.sourceFailed(source: source, reason: "the answer is not a JSON credentials document", hint: hint)
        }
        if let code = document.Code, code != "Success" {
            throw CredentialsError.sourceFailed(source: source, reason: "answered \(code)\(document.Message.map { ": \($0)" } ?? "")",
                                                hint: hint)
        }
        guard let id = document.AccessKeyId, !id.isEmpty, let secret = document.SecretAccessKey, !secret.isEmpty else {
            throw CredentialsError.sourceFailed(source: source, reason: "the answer lacks AccessKeyId or SecretAccessKey", hint: hint)
        }
        if let expiration = document.Expiration, ResolvedCredentials.date(iso8601: expiration) == nil {
            throw CredentialsError.sourceFailed(source: source, reason: "Expiration '\(expiration)' is not an ISO 8601 time", hint: hint)
        }
        return ResolvedCredentials(
            credentials: SigningCredentials(accessKeyId: id, secretAccessKey: secret,
                                            sessionToken: document.SessionToken ?? document.Token),
            source: source, expiration: document.Expiration)
    }
}

/// One HTTP exchange of a credentials source: transport failures and non-2xx answers become errors that
/// name the source and the endpoint (never a header, which may carry a token).
func credentialsRequest(_ request: HTTPRequest, transport: any HTTPTransport, timeout: TimeInterval,
                        source: String, hint: String) async throws -> HTTPResponse {
    let response: HTTPResponse
    do {
        response = try await transport.send(request, timeout: timeout)
    } catch let error as TransportError {
        throw CredentialsError.sourceFailed(source: source, reason: "\(request.method) \(redacted(request.url)) failed: \(error)",
                                            hint: hint)
    }
    guard (200..<300).contains(response.status) else {
        let excerpt = String(decoding: response.body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        throw CredentialsError.sourceFailed(
            source: source, reason: "\(request.method) \(redacted(request.url)) answered HTTP \(response.status)"
                + (excerpt.isEmpty ? "" : ": \(excerpt)"), hint: hint)
    }
    return response
}

/// The URL without its query, which for SSO carries nothing secret but for others might.
func redacted(_ url: URL) -> String {
    var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
    components?.query = nil
    return components?.string ?? url.absoluteString
}
