import Crypto
import Foundation
import SigV4

/// IAM Identity Center (SSO) profiles: the access token that `aws sso login` cached in
/// `~/.aws/sso/cache/<sha1>.json` is exchanged for role credentials by the portal's GetRoleCredentials
/// (`GET /federation/credentials` with the `x-amz-sso_bearer_token` header). A profile names an
/// `[sso-session NAME]` section (`sso_session`; cache file named by the SHA-1 of NAME) or carries the
/// legacy `sso_start_url`/`sso_region` itself (cache file named by the SHA-1 of the start URL).
struct SSOProfile {
    var profile: String
    var session: String?
    var startURL: String
    var region: String
    var accountID: String
    var roleName: String

    /// Nil when the profile is not an SSO profile; an error when it is one with settings missing.
    init?(profile: String, files: ProfileFiles) throws {
        let sessionName = files.setting("sso_session", profile: profile)
        guard sessionName != nil || files.setting("sso_start_url", profile: profile) != nil else { return nil }
        let hint = "see `aws configure sso`; the profile needs sso_account_id and sso_role_name, and its session sso_start_url and sso_region"
        func required(_ key: String, _ value: String?) throws -> String {
            guard let value, !value.isEmpty else {
                throw CredentialsError.sourceFailed(source: "SSO profile \(profile) in \(files.configPath)", reason: "\(key) is missing",
                                                    hint: hint)
            }
            return value
        }
        self.profile = profile
        session = sessionName
        if let sessionName {
            guard let section = files.config?.ssoSessions[sessionName] else {
                throw CredentialsError.sourceFailed(source: "SSO profile \(profile)",
                                                    reason: "no [sso-session \(sessionName)] section in \(files.configPath)", hint: hint)
            }
            startURL = try required("sso_start_url", section["sso_start_url"])
            region = try required("sso_region", section["sso_region"])
        } else {
            startURL = try required("sso_start_url", files.setting("sso_start_url", profile: profile))
            region = try required("sso_region", files.setting("sso_region", profile: profile))
        }
        accountID = try required("sso_account_id", files.setting("sso_account_id", profile: profile))
        roleName = try required("sso_role_name", files.setting("sso_role_name", profile: profile))
    }

    var source: String { "SSO role \(roleName) in account \(accountID) via profile \(profile)" }
    var loginHint: String { "sign in again with: aws sso login --profile \(profile)" }

    /// `~/.aws/sso/cache/<hex SHA-1 of the session name, or of the start URL>.json`.
    func cachePath(home: String) -> String {
        let key = session ?? startURL
        let digest = Insecure.SHA1.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
        return "\(home)/.aws/sso/cache/\(digest).json"
    }

    struct CachedToken: Decodable {
        var accessToken: String?
        var expiresAt: String?
    }

    struct RoleCredentialsAnswer: Decodable {
        struct RoleCredentials: Decodable {
            var accessKeyId: String?
            var secretAccessKey: String?
            var sessionToken: String?
            /// Milliseconds since 1970.
            var expiration: Double?
        }
        var roleCredentials: RoleCredentials?
    }

    func resolve(home: String, portal: URL?, transport: any HTTPTransport, now: Date = Date()) async throws -> ResolvedCredentials {
        let path = cachePath(home: home)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CredentialsError.sourceFailed(source: source, reason: "no cached SSO token (\(path))", hint: loginHint)
        }
        guard let token = try? JSONDecoder().decode(CachedToken.self, from: data), let accessToken = token.accessToken,
              let expiresText = token.expiresAt, let expiresAt = ResolvedCredentials.date(iso8601: expiresText) else {
            throw CredentialsError.sourceFailed(source: source, reason: "the cached SSO token \(path) is unreadable", hint: loginHint)
        }
        guard expiresAt > now else {
            throw CredentialsError.sourceFailed(source: source, reason: "the cached SSO token expired at \(expiresText)", hint: loginHint)
        }
        let base = portal ?? URL(string: "https://portal.sso.\(region).amazonaws.com")!
        var components = URLComponents(url: base.appendingPathComponent("federation/credentials"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "role_name", value: roleName), URLQueryItem(name: "account_id", value: accountID)]
        let request = HTTPRequest(method: "GET", url: components.url!, headers: [HTTPHeader("x-amz-sso_bearer_token", accessToken)])
        let response = try await credentialsRequest(request, transport: transport, timeout: 30, source: source,
                                                    hint: loginHint + ", and check that the role and account are assigned to you")
        guard let answer = try? JSONDecoder().decode(RoleCredentialsAnswer.self, from: response.body),
              let role = answer.roleCredentials, let id = role.accessKeyId, let secret = role.secretAccessKey else {
            throw CredentialsError.sourceFailed(source: source, reason: "GetRoleCredentials answered without roleCredentials",
                                                hint: loginHint)
        }
        let expiration = role.expiration.map { ResolvedCredentials.iso8601(Date(timeIntervalSince1970: $0 / 1000)) }
        return ResolvedCredentials(credentials: SigningCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: role.sessionToken),
                                   source: source, expiration: expiration)
    }
}
