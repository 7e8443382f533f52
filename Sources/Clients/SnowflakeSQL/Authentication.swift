import Foundation

/// How requests prove who sends them: a keypair JWT, an OAuth access token, or a programmatic access token.
public enum SQLAPIAuthentication: Sendable, CustomStringConvertible {
    case keyPair(KeyPairJWTIssuer)
    case oauth(token: String)
    case programmaticAccessToken(String)

    /// The Authorization header and Snowflake's token-type header.
    func headers() throws -> [String: String] {
        switch self {
        case .keyPair(let issuer):
            return ["Authorization": "Bearer \(try issuer.token())", "X-Snowflake-Authorization-Token-Type": "KEYPAIR_JWT"]
        case .oauth(let token):
            return ["Authorization": "Bearer \(token)", "X-Snowflake-Authorization-Token-Type": "OAUTH"]
        case .programmaticAccessToken(let token):
            return ["Authorization": "Bearer \(token)", "X-Snowflake-Authorization-Token-Type": "PROGRAMMATIC_ACCESS_TOKEN"]
        }
    }

    /// Never shows a token or key.
    public var description: String {
        switch self {
        case .keyPair(let issuer): return "keypair JWT for \(issuer.subject)"
        case .oauth: return "OAuth token"
        case .programmaticAccessToken: return "programmatic access token"
        }
    }
}
