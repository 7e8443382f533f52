/// The differences between how S3 and every other service build the canonical request.
public struct SigningRules: Sendable, Equatable {
    /// Remove `.`/`..` segments and merge repeated slashes before encoding (generic services).
    /// S3 keys may legitimately contain those, so S3 signs the path as given.
    public var normalizesPath: Bool
    /// Generic services encode the path as sent once more (so `%20` becomes `%2520`).
    /// S3 signs each segment encoded exactly once from its decoded form.
    public var doubleEncodesPath: Bool
    /// S3 requires the payload hash (or `UNSIGNED-PAYLOAD`) in a signed `x-amz-content-sha256` header.
    public var addsContentSHA256Header: Bool
    /// Where the session token of temporary credentials goes.
    public var sessionToken: SessionTokenPlacement

    public init(normalizesPath: Bool, doubleEncodesPath: Bool, addsContentSHA256Header: Bool,
                sessionToken: SessionTokenPlacement = .signed) {
        self.normalizesPath = normalizesPath
        self.doubleEncodesPath = doubleEncodesPath
        self.addsContentSHA256Header = addsContentSHA256Header
        self.sessionToken = sessionToken
    }

    public static let generic = SigningRules(normalizesPath: true, doubleEncodesPath: true, addsContentSHA256Header: false)
    public static let s3 = SigningRules(normalizesPath: false, doubleEncodesPath: false, addsContentSHA256Header: true)
}

/// Most services sign `X-Amz-Security-Token`; a few want it added after the signature is computed.
public enum SessionTokenPlacement: Sendable, Equatable {
    case signed
    case addedAfterSigning
}
