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

    /// Whether the identifier names an organisation and account (`org-account` or `org.account` with no
    /// region part) rather than a legacy account locator (`xy12345` or `xy12345.us-east-2.aws`).
    var isOrganisationForm: Bool {
        let parts = identifier.split(separator: ".")
        if identifier.contains("-") && parts.count == 1 { return true }
        // `org.account`: two parts, the second not a region name.
        return parts.count == 2 && !Self.looksLikeRegion(String(parts[1]))
    }

    /// The account as a JWT names it: upper case; a locator loses its region; `org.account` becomes `ORG-ACCOUNT`.
    public var jwtName: String {
        let parts = identifier.split(separator: ".").map(String.init)
        let name = isOrganisationForm ? parts.joined(separator: "-") : (parts.first ?? identifier)
        return name.uppercased()
    }

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
