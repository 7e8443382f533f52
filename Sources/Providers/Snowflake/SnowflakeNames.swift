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

    /// The value of one single-quoted literal, or nil if `text` is not exactly one. Snowflake reads `''` and `\'`
    /// alike, and the escapes `\\ \" \n \r \t \b \f \0 \xhh \uhhhh`; any other escaped character stands for
    /// itself (docs: sql-reference/data-types-text, "Escape sequences in single-quoted string constants").
    public static func decode(_ text: String) -> String? {
        let chars = Array(text.unicodeScalars)
        guard chars.count >= 2, chars.first == "'", chars.last == "'" else { return nil }
        var out = String.UnicodeScalarView()
        var i = 1
        let end = chars.count - 1
        func hex(_ from: Int, _ count: Int) -> Unicode.Scalar? {
            guard from + count <= end else { return nil }
            return UInt32(String(String.UnicodeScalarView(chars[from..<from + count])), radix: 16).flatMap(Unicode.Scalar.init)
        }
        while i < end {
            let c = chars[i]
            if c == "'" {
                guard i + 1 < end, chars[i + 1] == "'" else { return nil }  // a lone quote ends the literal early
                out.append("'")
                i += 2
            } else if c == "\\" {
                guard i + 1 < end else { return nil }
                let e = chars[i + 1]
                i += 2
                switch e {
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "0": out.append("\u{00}")
                case "x": guard let s = hex(i, 2) else { return nil }; out.append(s); i += 2
                case "u": guard let s = hex(i, 4) else { return nil }; out.append(s); i += 4
                default: out.append(e)
                }
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(out)
    }

    /// One spelling per value: a literal written `'it''s'` and one read back as `'it\'s'` compare equal.
    public static func canonical(_ text: String) -> String? { decode(text).map(string) }
}
