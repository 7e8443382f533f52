import Foundation

/// A Snowflake account identifier in the forms Snowflake accepts (`org-account`, `org.account`,
/// `locator`, `locator.region[.cloud]`, or a whole `….snowflakecomputing.com` host), normalised twice:
/// once for the JWT (`iss`/`sub` want the account name in upper case, without region, `.` → `-`),
/// once for the default endpoint host.
public struct SnowflakeAccount: Sendable, Equatable, CustomStringConvertible {
    /// As the user wrote it, minus a trailing `.snowflakecomputing.com`.
    public let identifier: String

    public init(_ raw: String) {
        var text = raw.trimmingCharacters(in: .whitespaces)
        for prefix in ["https://", "http://"] where text.lowercased().hasPrefix(prefix) { text.removeFirst(prefix.count) }
        if let slash = text.firstIndex(of: "/") { text = String(text[..<slash]) }
        let suffix = ".snowflakecomputing.com"
        if text.lowercased().hasSuffix(suffix) { text.removeLast(suffix.count) }
        identifier = text
    }

    /// The account as a JWT names it, as Snowflake's own JWT generator prepares it (sql-api/authenticating;
    /// the same code is in Airflow's Snowflake provider): cut at the first `.` (a locator's region, a
    /// `.privatelink` suffix), or for a `.global` account at the first `-`, then upper case. One form of ours
    /// on top: `org.account`, the dot spelling of `org-account`, is `ORG-ACCOUNT`.
    public var jwtName: String {
        if identifier.lowercased().contains(".global") {
            return String(identifier.split(separator: "-", maxSplits: 1).first ?? Substring(identifier)).uppercased()
        }
        let parts = identifier.split(separator: ".").map(String.init)
        if parts.count == 2, !parts[0].contains("-"), !Self.looksLikeRegion(parts[1]), !Self.connectionSuffixes.contains(parts[1].lowercased()) {
            return parts.joined(separator: "-").uppercased()
        }
        return (parts.first ?? identifier).uppercased()
    }

    /// What may follow an account name in a host that is not part of the account: PrivateLink, a cloud.
    private static let connectionSuffixes: Set<String> = ["privatelink", "aws", "azure", "gcp"]

    /// The default SQL API host: `https://<account>.snowflakecomputing.com`, with `_` → `-` as hosts require.
    public var defaultEndpoint: URL {
        let host = identifier.lowercased().replacingOccurrences(of: "_", with: "-")
        return URL(string: "https://\(host).snowflakecomputing.com")!
    }

    public var description: String { identifier }

    private static func looksLikeRegion(_ part: String) -> Bool {
        let lower = part.lowercased()
        return lower.contains("-") && lower.rangeOfCharacter(from: .decimalDigits) != nil
    }
}
