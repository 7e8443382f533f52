import Foundation

/// A TOML 1.0 reader for the Snowflake CLI's `connections.toml` and `config.toml`: tables, bare/quoted/dotted
/// keys, basic strings with escapes, literal strings, both multi-line
/// forms, integers (decimal, hex, octal, binary, `_` separators), floats, booleans, date-times (kept
/// as their text), arrays and inline tables, comments. Arrays of tables (`[[x]]`), which these files
/// never hold, are refused. Errors name the line and column.
enum TOMLValue: Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case dateTime(String)
    case array([TOMLValue])
    case table([String: TOMLValue])

    /// The value as a connection setting: scalars as text, containers not at all.
    var settingText: String? {
        switch self {
        case .string(let s), .dateTime(let s): return s
        case .integer(let i): return String(i)
        case .float(let d): return String(d)
        case .boolean(let b): return b ? "true" : "false"
        case .array, .table: return nil
        }
    }

    var table: [String: TOMLValue]? { if case .table(let t) = self { return t } else { return nil } }
}

struct TOMLError: Error, CustomStringConvertible, Equatable {
    var file: String, line: Int, column: Int, message: String
    var description: String { "\(file):\(line):\(column): error: \(message)" }
}

struct TOMLParser {
    private let chars: [Character]
    private var index = 0
    private let file: String
    private var root: [String: TOMLValue] = [:]
    /// Tables defined by a header or by key/values inside one (a second `[x]` is an error); inline
    /// tables and arrays are closed to later additions.
    private var definedTables: Set<[String]> = []
    private var closed: Set<[String]> = []

    static func parse(_ text: String, file: String) throws -> [String: TOMLValue] {
        var parser = TOMLParser(chars: Array(text), file: file)
        try parser.document()
        return parser.root
    }

    private init(chars: [Character], file: String) {
        self.chars = chars
        self.file = file
    }

    private func error(_ message: String) -> TOMLError {
        var line = 1, column = 1
        for ch in chars[..<min(index, chars.count)] {
            if ch == "\n" || ch == "\r\n" { line += 1; column = 1 } else { column += 1 }
        }
        return TOMLError(file: file, line: line, column: column, message: message)
    }

    private var peek: Character? { index < chars.count ? chars[index] : nil }
    private func peek(_ offset: Int) -> Character? { index + offset < chars.count ? chars[index + offset] : nil }
    private func isNewline(_ c: Character?) -> Bool { c == "\n" || c == "\r\n" || c == "\r" }

    private mutating func skipBlanks() { while peek == " " || peek == "\t" { index += 1 } }

    private mutating func skipComment() {
        if peek == "#" { while let c = peek, !isNewline(c) { index += 1 } }
    }

    /// Blanks, comments and newlines (inside arrays).
    private mutating func skipWhitespaceAndComments() {
        while true {
            skipBlanks()
            skipComment()
            if isNewline(peek) { index += 1 } else { return }
        }
    }

    private mutating func endOfLine() throws {
        skipBlanks()
        skipComment()
        guard peek == nil || isNewline(peek) else { throw error("expected the end of the line") }
        if peek != nil { index += 1 }
    }

    private mutating func document() throws {
        var current: [String] = []
        while true {
            skipWhitespaceAndComments()
            guard let c = peek else { return }
            if c == "[" {
                guard peek(1) != "[" else { throw error("arrays of tables ([[…]]) are not used in connection files") }
                index += 1
                let path = try key()
                guard peek == "]" else { throw error("a table header must end with ]") }
                index += 1
                try defineTable(path)
                current = path
                try endOfLine()
            } else {
                let path = try key()
                guard peek == "=" else { throw error("expected = after the key") }
                index += 1
                skipBlanks()
                let value = try self.value()
                try insert(current + path, value, definingTablesUnder: current)
                try endOfLine()
            }
        }
    }

    // MARK: keys

    private mutating func key() throws -> [String] {
        var parts: [String] = []
        while true {
            skipBlanks()
            guard let c = peek else { throw error("expected a key") }
            if c == "\"" {
                index += 1
                parts.append(try basicString())
            } else if c == "'" {
                index += 1
                parts.append(try literalString())
            } else {
                var bare = ""
                while let ch = peek, ch.isASCII, ch.isLetter || ch.isNumber || ch == "_" || ch == "-" {
                    bare.append(ch)
                    index += 1
                }
                guard !bare.isEmpty else { throw error("expected a key") }
                parts.append(bare)
            }
            skipBlanks()
            if peek == "." { index += 1 } else { return parts }
        }
    }

    // MARK: tables

    private func lookup(_ path: [String]) -> TOMLValue? { Self.value(in: root, path[...]) }

    private mutating func defineTable(_ path: [String]) throws {
        let name = path.joined(separator: ".")
        if definedTables.contains(path) || closed.contains(path) { throw error("table [\(name)] is defined twice") }
        if let existing = lookup(path), existing.table == nil { throw error("[\(name)] is already a value") }
        for end in 0..<path.count where closed.contains(Array(path[...end])) { throw error("[\(name)] extends an inline table") }
        definedTables.insert(path)
        if lookup(path) == nil { root = try Self.setting(root, path[...], .table([:])) { [self] in self.error($0) } }
    }

    private mutating func insert(_ path: [String], _ value: TOMLValue, definingTablesUnder base: [String]) throws {
        for end in 0..<(path.count - 1) where closed.contains(Array(path[...end])) {
            throw error("\(path[...end].joined(separator: ".")) cannot be extended")
        }
        if lookup(path) != nil { throw error("key \(path.joined(separator: ".")) is defined twice") }
        // Tables made by dotted keys cannot get a [header] later.
        for end in base.count..<(path.count - 1) { definedTables.insert(Array(path[...end])) }
        root = try Self.setting(root, path[...], value) { [self] in self.error($0) }
        switch value {
        case .table, .array: closed.insert(path)
        default: break
        }
    }

    /// Returns `table` with `value` at `path`, creating the tables in between.
    private static func setting(_ table: [String: TOMLValue], _ path: ArraySlice<String>, _ value: TOMLValue,
                                _ fail: (String) -> TOMLError) throws -> [String: TOMLValue] {
        var table = table
        guard let first = path.first else { return table }
        if path.count == 1 {
            table[first] = value
            return table
        }
        let child: [String: TOMLValue]
        switch table[first] {
        case nil: child = [:]
        case .table(let t): child = t
        default: throw fail("\(first) is not a table")
        }
        table[first] = .table(try setting(child, path.dropFirst(), value, fail))
        return table
    }

    // MARK: values

    private mutating func value() throws -> TOMLValue {
        guard let c = peek else { throw error("expected a value") }
        switch c {
        case "\"":
            if peek(1) == "\"", peek(2) == "\"" { index += 3; return .string(try multilineBasicString()) }
            index += 1
            return .string(try basicString())
        case "'":
            if peek(1) == "'", peek(2) == "'" { index += 3; return .string(try multilineLiteralString()) }
            index += 1
            return .string(try literalString())
        case "[":
            index += 1
            var items: [TOMLValue] = []
            while true {
                skipWhitespaceAndComments()
                if peek == "]" { index += 1; return .array(items) }
                items.append(try value())
                skipWhitespaceAndComments()
                if peek == "," { index += 1 } else if peek == "]" { index += 1; return .array(items) } else {
                    throw error("expected , or ] in an array")
                }
            }
        case "{":
            index += 1
            var table: [String: TOMLValue] = [:]
            skipBlanks()
            if peek == "}" { index += 1; return .table(table) }
            while true {
                let path = try key()
                guard peek == "=" else { throw error("expected = after the key") }
                index += 1
                skipBlanks()
                let v = try value()
                if Self.value(in: table, path[...]) != nil { throw error("key \(path.joined(separator: ".")) is defined twice") }
                table = try Self.setting(table, path[...], v) { [self] in self.error($0) }
                skipBlanks()
                if peek == "," { index += 1; skipBlanks() } else if peek == "}" { index += 1; return .table(table) } else {
                    throw error("expected , or } in an inline table")
                }
            }
        default:
            return try scalar()
        }
    }

    private static func value(in table: [String: TOMLValue], _ path: ArraySlice<String>) -> TOMLValue? {
        guard let first = path.first, let v = table[first] else { return nil }
        if path.count == 1 { return v }
        guard case .table(let t) = v else { return v }
        return value(in: t, path.dropFirst())
    }

    private mutating func scalar() throws -> TOMLValue {
        var token = ""
        while let c = peek, !(c == "," || c == "]" || c == "}" || c == "#" || isNewline(c)) {
            // A date and a time may be separated by one space.
            if c == " " || c == "\t" {
                if token.count == 10, token.dropFirst(4).first == "-", let next = peek(1), next.isNumber { token.append("T"); index += 1; continue }
                break
            }
            token.append(c)
            index += 1
        }
        switch token {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        guard !token.isEmpty else { throw error("expected a value") }
        let digits = token.replacingOccurrences(of: "_", with: "")
        if token.contains("__") || token.hasPrefix("_") || token.hasSuffix("_") { throw error("misplaced _ in '\(token)'") }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
            guard let n = Int(digits.dropFirst(2), radix: radix) else { throw error("'\(token)' is not a number") }
            return .integer(n)
        }
        if let n = Int(digits) {
            let unsigned = digits.hasPrefix("+") || digits.hasPrefix("-") ? String(digits.dropFirst()) : digits
            if unsigned.count > 1 && unsigned.hasPrefix("0") { throw error("leading zeros in '\(token)'") }
            return .integer(n)
        }
        if digits.range(of: #"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$"#, options: .regularExpression) != nil, let d = Double(digits) {
            return .float(d)
        }
        if token.range(of: #"^(\d{4}-\d{2}-\d{2})?([Tt ]?\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?([Zz]|[+-]\d{2}:\d{2})?$"#,
                       options: .regularExpression) != nil, token.first?.isNumber == true {
            return .dateTime(token)
        }
        throw error("'\(token)' is not a TOML value (strings need quotes)")
    }

    // MARK: strings

    private mutating func escape() throws -> String {
        guard let c = peek else { throw error("unfinished escape") }
        index += 1
        switch c {
        case "b": return "\u{8}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{c}"
        case "r": return "\r"
        case "e": return "\u{1b}"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U":
            let length = c == "u" ? 4 : 8
            guard index + length <= chars.count, let code = UInt32(String(chars[index..<index + length]), radix: 16),
                  let scalar = Unicode.Scalar(code) else { throw error("bad \\\(c) escape") }
            index += length
            return String(Character(scalar))
        default:
            throw error("unknown escape \\\(c)")
        }
    }

    private mutating func basicString() throws -> String {
        var out = ""
        while true {
            guard let c = peek, !isNewline(c) else { throw error("unterminated string") }
            index += 1
            if c == "\"" { return out }
            if c == "\\" { out += try escape() } else { out.append(c) }
        }
    }

    private mutating func literalString() throws -> String {
        var out = ""
        while true {
            guard let c = peek, !isNewline(c) else { throw error("unterminated string") }
            index += 1
            if c == "'" { return out }
            out.append(c)
        }
    }

    private mutating func multilineBasicString() throws -> String {
        var out = ""
        if isNewline(peek) { index += 1 }
        while true {
            guard let c = peek else { throw error("unterminated multi-line string") }
            if c == "\"", peek(1) == "\"", peek(2) == "\"" {
                index += 3
                // Up to two more quotes belong to the content (`""""` ends with one).
                for _ in 0..<2 where peek == "\"" { out.append("\""); index += 1 }
                return out
            }
            index += 1
            if c == "\\" {
                // A line-ending backslash trims the newline and the whitespace that follows.
                var look = index
                while look < chars.count, chars[look] == " " || chars[look] == "\t" { look += 1 }
                if look < chars.count, isNewline(chars[look]) {
                    index = look
                    while let w = peek, w == " " || w == "\t" || isNewline(w) { index += 1 }
                } else {
                    out += try escape()
                }
            } else {
                out.append(c == "\r\n" ? "\n" : c)
            }
        }
    }

    private mutating func multilineLiteralString() throws -> String {
        var out = ""
        if isNewline(peek) { index += 1 }
        while true {
            guard let c = peek else { throw error("unterminated multi-line string") }
            if c == "'", peek(1) == "'", peek(2) == "'" {
                index += 3
                for _ in 0..<2 where peek == "'" { out.append("'"); index += 1 }
                return out
            }
            index += 1
            out.append(c == "\r\n" ? "\n" : c)
        }
    }
}
