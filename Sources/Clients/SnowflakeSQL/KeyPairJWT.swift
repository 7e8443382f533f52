import Foundation

/// Issues Snowflake keypair JWTs and reuses one until shortly before it expires, so a long apply signs
/// a handful of tokens, not one per request.
public final class KeyPairJWTIssuer: @unchecked Sendable {
    public let account: SnowflakeAccount
    public let user: String
    let keyPair: SnowflakeKeyPair
    /// Snowflake refuses tokens that live longer than an hour.
    let lifetime: TimeInterval
    /// Renew this long before expiry, so a token never expires in flight.
    let renewalMargin: TimeInterval
    let now: @Sendable () -> Date

    private let lock = NSLock()
    private var cached: (token: String, expires: Date)?

    public init(account: SnowflakeAccount, user: String, keyPair: SnowflakeKeyPair, lifetime: TimeInterval = 3540,
                renewalMargin: TimeInterval = 300, now: @escaping @Sendable () -> Date = Date.init) {
        self.account = account
        self.user = user
        self.keyPair = keyPair
        self.lifetime = min(lifetime, 3600)
        self.renewalMargin = renewalMargin
        self.now = now
    }

    /// `sub`: ACCOUNT.USER, both upper case as Snowflake compares them.
    public var subject: String { "\(account.jwtName).\(user.uppercased())" }
    /// `iss`: ACCOUNT.USER.SHA256:<fingerprint>.
    public var issuer: String { "\(subject).\(keyPair.publicKeyFingerprint)" }

    public func token() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let current = now()
        if let cached, cached.expires.timeIntervalSince(current) > renewalMargin { return cached.token }
        let issued = Int(current.timeIntervalSince1970)
        let expires = issued + Int(lifetime)
        let token = try makeToken(issuedAt: issued, expiresAt: expires)
        cached = (token, Date(timeIntervalSince1970: TimeInterval(expires)))
        return token
    }

    /// A token with explicit times; tests use it to present expired or over-long tokens.
    public func makeToken(issuedAt: Int, expiresAt: Int) throws -> String {
        let header = #"{"alg":"RS256","typ":"JWT"}"#
        let payload = #"{"iss":\#(jsonString(issuer)),"sub":\#(jsonString(subject)),"iat":\#(issuedAt),"exp":\#(expiresAt)}"#
        let signingInput = Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(Data(payload.utf8))
        let signature = try keyPair.signRS256(Data(signingInput.utf8))
        return signingInput + "." + Self.base64URL(signature)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private func jsonString(_ s: String) -> String {
        String(data: try! JSONEncoder().encode(s), encoding: .utf8)!
    }
}
