import Foundation

/// Snowflake's identifier rules: an unquoted identifier is case-insensitive and stored upper case; a quoted
/// one keeps its case exactly. Names from a stack follow the same rules (`raw` is RAW, `"Raw"` is Raw), and
/// every name infra sends is quoted and escaped, so no value from a stack can inject SQL.
public struct SnowflakeName: Hashable, Sendable, CustomStringConvertible {
    /// The name exactly as Snowflake stores it.
    public let stored: String

    public init(stored: String) { self.stored = stored }

    /// Parses one identifier as written by a user: `"Quoted ""name"""` or an unquoted word.
    public init(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") {
            stored = String(t.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
        } else if SnowflakeName.isPlainUnquoted(t) {
            stored = t.uppercased()
        } else {
            stored = t  // Not a valid unquoted identifier: it can only mean the exact text.
        }
    }

    static func isPlainUnquoted(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.properties.isAlphabetic && first.isASCII) else { return false }
        return s.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" || $0 == "$" }
    }

    /// Always quoted, with `"` doubled: safe in any statement.
    public var sql: String { "\"" + stored.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// The shortest form that means the same: unquoted when Snowflake would store it so, quoted otherwise.
    public var description: String {
        SnowflakeName.isPlainUnquoted(stored) && stored == stored.uppercased() ? stored : sql
    }
}

/// A database, schema or object name with its parents, e.g. `DB.RAW.EVENTS`.
public struct QualifiedName: Hashable, Sendable, CustomStringConvertible {
    public var parts: [SnowflakeName]

    public init(_ parts: [SnowflakeName]) { self.parts = parts }

    /// Splits on dots outside quotes, each part parsed as an identifier.
    public init(parsing text: String) {
        var parts: [String] = []
        var current = ""
        var quoted = false
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\"" {
                if quoted, i + 1 < chars.count, chars[i + 1] == "\"" { current += "\"\""; i += 2; continue }
                quoted.toggle()
                current.append(c)
            } else if c == ".", !quoted {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
            i += 1
        }
        parts.append(current)
        self.parts = parts.map(SnowflakeName.init(parsing:))
    }

    public func appending(_ name: SnowflakeName) -> QualifiedName { QualifiedName(parts + [name]) }
    public var sql: String { parts.map(\.sql).joined(separator: ".") }
    public var description: String { parts.map(\.description).joined(separator: ".") }
    public var last: SnowflakeName { parts.last! }
}

/// Snowflake string literals: single quotes, with `'` and `\` escaped.
public enum SnowflakeLiteral {
    public static func string(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
