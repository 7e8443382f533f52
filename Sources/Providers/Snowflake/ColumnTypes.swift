import Foundation
import InfraEngine

/// Snowflake's data types (docs: sql-reference/intro-summary-data-types) as a small grammar. A stack's column
/// `type:` must be one of them, so nothing but a type ever reaches CREATE TABLE (`VARIANT, "X" NUMBER` or
/// `NUMBER)(` are refused by `validate`). Types are compared as Snowflake reports them: `VARCHAR` is
/// `VARCHAR(16777216)`, `INT` is `NUMBER(38,0)`, `TIMESTAMP_NTZ` is `TIMESTAMP_NTZ(9)`.
enum ColumnType {
    /// A type that parsed: its canonical base name and arguments.
    struct Parsed: Equatable {
        var base: String
        var arguments: [String]

        var text: String { arguments.isEmpty ? base : "\(base)(\(arguments.joined(separator: ",")))" }
        var integers: [Int] { arguments.compactMap { Int($0) } }
    }

    /// Why a text is not a type: where (a character offset) and what to write instead.
    struct Problem: Error, Equatable {
        var message: String
        var offset: Int
        var hint: String
    }

    /// What each spelling means: the canonical base, its arguments' ranges and their defaults.
    private struct Family {
        var base: String
        /// Allowed ranges of the integer arguments, in order; an argument may be left out from the end.
        var ranges: [ClosedRange<Int>]
        var defaults: [Int]
    }

    private static let maxText = 16_777_216, maxBinary = 8_388_608

    private static let families: [String: Family] = {
        var map: [String: Family] = [:]
        func add(_ names: [String], _ family: Family) { for n in names { map[n] = family } }
        add(["NUMBER", "DECIMAL", "DEC", "NUMERIC"], Family(base: "NUMBER", ranges: [1...38, 0...37], defaults: [38, 0]))
        add(["INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT"], Family(base: "NUMBER", ranges: [], defaults: [38, 0]))
        add(["FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "DOUBLE PRECISION", "REAL"], Family(base: "FLOAT", ranges: [], defaults: []))
        add(["VARCHAR", "STRING", "TEXT", "CHAR VARYING", "NCHAR VARYING", "NVARCHAR", "NVARCHAR2"],
            Family(base: "VARCHAR", ranges: [1...maxText], defaults: [maxText]))
        add(["CHAR", "CHARACTER", "NCHAR"], Family(base: "VARCHAR", ranges: [1...maxText], defaults: [1]))
        add(["BINARY", "VARBINARY"], Family(base: "BINARY", ranges: [1...maxBinary], defaults: [maxBinary]))
        add(["BOOLEAN"], Family(base: "BOOLEAN", ranges: [], defaults: []))
        add(["DATE"], Family(base: "DATE", ranges: [], defaults: []))
        add(["TIME"], Family(base: "TIME", ranges: [0...9], defaults: [9]))
        // TIMESTAMP and DATETIME follow TIMESTAMP_TYPE_MAPPING, TIMESTAMP_NTZ by default.
        add(["TIMESTAMP_NTZ", "TIMESTAMPNTZ", "TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP", "DATETIME"],
            Family(base: "TIMESTAMP_NTZ", ranges: [0...9], defaults: [9]))
        add(["TIMESTAMP_LTZ", "TIMESTAMPLTZ", "TIMESTAMP WITH LOCAL TIME ZONE"], Family(base: "TIMESTAMP_LTZ", ranges: [0...9], defaults: [9]))
        add(["TIMESTAMP_TZ", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"], Family(base: "TIMESTAMP_TZ", ranges: [0...9], defaults: [9]))
        for plain in ["VARIANT", "OBJECT", "ARRAY", "GEOGRAPHY", "GEOMETRY"] { add([plain], Family(base: plain, ranges: [], defaults: [])) }
        return map
    }()

    static let hint = "write a Snowflake data type such as NUMBER(38,0), INT, FLOAT, VARCHAR(100), BOOLEAN, DATE, "
        + "TIMESTAMP_NTZ(9), VARIANT or VECTOR(FLOAT, 256)"

    /// Parses a type as written in a stack or reported by Snowflake.
    static func parse(_ text: String) -> Result<Parsed, Problem> {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func skipSpaces() { while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" { i += 1 } }
        func word() -> String? {
            let start = i
            while i < scalars.count, scalars[i].isASCII, scalars[i].properties.isAlphabetic || ("0"..."9").contains(scalars[i]) || scalars[i] == "_" { i += 1 }
            return i > start ? String(String.UnicodeScalarView(scalars[start..<i])).uppercased() : nil
        }
        func problem(_ message: String, at offset: Int, hint: String = ColumnType.hint) -> Result<Parsed, Problem> {
            .failure(Problem(message: message, offset: offset, hint: hint))
        }
        skipSpaces()
        let nameStart = i
        guard var name = word() else {
            return problem(scalars.isEmpty || i == scalars.count ? "a column type is required" : "'\(text)' is not a Snowflake data type", at: i)
        }
        // Multi-word spellings (DOUBLE PRECISION, TIMESTAMP WITH LOCAL TIME ZONE): take words while they extend one.
        while true {
            let save = i
            skipSpaces()
            guard let next = word() else { i = save; break }
            let longer = "\(name) \(next)"
            if families.keys.contains(where: { $0 == longer || $0.hasPrefix(longer + " ") }) { name = longer } else { i = save; break }
        }
        if name == "VECTOR" { return parseVector(scalars, from: i, text: text) }
        guard let family = families[name] else {
            let suggestion = Suggestion.closest(to: name, in: Array(families.keys) + ["VECTOR"]).map { "did you mean \($0)? " } ?? ""
            return problem("'\(name)' is not a Snowflake data type", at: nameStart, hint: suggestion + hint)
        }
        var arguments: [Int] = []
        skipSpaces()
        if i < scalars.count, scalars[i] == "(" {
            let open = i
            i += 1
            while true {
                skipSpaces()
                let start = i
                while i < scalars.count, ("0"..."9").contains(scalars[i]) { i += 1 }
                guard i > start, let value = Int(String(String.UnicodeScalarView(scalars[start..<i]))) else {
                    return problem("expected a whole number in \(family.base)(…)", at: start)
                }
                guard arguments.count < family.ranges.count else {
                    return problem(family.ranges.isEmpty ? "\(name) takes no arguments" : "\(name) takes at most \(family.ranges.count) argument\(family.ranges.count == 1 ? "" : "s")", at: open,
                                   hint: family.ranges.isEmpty ? "write \(name) alone" : hint)
                }
                let range = family.ranges[arguments.count]
                guard range.contains(value) else {
                    return problem("\(value) is out of range for \(name) (\(range.lowerBound) to \(range.upperBound))", at: start)
                }
                arguments.append(value)
                skipSpaces()
                if i < scalars.count, scalars[i] == "," { i += 1; continue }
                if i < scalars.count, scalars[i] == ")" { i += 1; break }
                return problem("expected ',' or ')' in \(name)(…)", at: i)
            }
            if family.base == "NUMBER", arguments.count == 2, arguments[1] > arguments[0] {
                return problem("the scale \(arguments[1]) is larger than the precision \(arguments[0])", at: open)
            }
        }
        skipSpaces()
        guard i == scalars.count else {
            return problem("unexpected text after the type: '\(String(String.UnicodeScalarView(scalars[i...])))'", at: i,
                           hint: "a column type is only the type; write nullable, default and comment as their own keys")
        }
        let values = arguments + family.defaults.dropFirst(arguments.count)
        return .success(Parsed(base: family.base, arguments: values.map(String.init)))
    }

    /// VECTOR(INT | FLOAT, dimension 1…4096).
    private static func parseVector(_ scalars: [Unicode.Scalar], from start: Int, text: String) -> Result<Parsed, Problem> {
        let rest = String(String.UnicodeScalarView(scalars[start...]))
        let pattern = #"^\s*\(\s*(?i:(INT|FLOAT))\s*,\s*([0-9]{1,4})\s*\)\s*$"#
        guard let match = rest.range(of: pattern, options: .regularExpression) else {
            return .failure(Problem(message: "VECTOR needs an element type and a dimension", offset: start, hint: "write VECTOR(INT, 16) or VECTOR(FLOAT, 256)"))
        }
        let inner = rest[match].drop { $0 != "(" }.dropFirst().prefix { $0 != ")" }
        let parts = inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        guard let dimension = Int(parts[1]), (1...4096).contains(dimension) else {
            return .failure(Problem(message: "a VECTOR's dimension must be 1 to 4096", offset: start, hint: "write VECTOR(FLOAT, 256)"))
        }
        return .success(Parsed(base: "VECTOR", arguments: [parts[0], String(dimension)]))
    }

    /// The check `validate` runs on every column `type:`.
    static let check = StringCheck(name: "Snowflake data type") { text in
        switch parse(text) {
        case .success: return nil
        case .failure(let p): return StringProblem(message: "column type '\(text)': \(p.message)", offset: p.offset, hint: p.hint)
        }
    }

    /// SHOW COLUMNS reports types as JSON (`{"type":"FIXED","precision":38,"scale":0}`); the canonical text is
    /// what DESC TABLE would show.
    static func canonical(showColumnsJSON json: String) -> String {
        guard let data = json.data(using: .utf8), let m = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let type = (m["type"] as? String)?.uppercased() else { return canonical(json) }
        func int(_ k: String) -> Int? { (m[k] as? NSNumber)?.intValue }
        switch type {
        case "FIXED": return "NUMBER(\(int("precision") ?? 38),\(int("scale") ?? 0))"
        case "TEXT": return "VARCHAR(\(int("length") ?? 16_777_216))"
        case "REAL": return "FLOAT"
        case "BINARY": return "BINARY(\(int("length") ?? 8_388_608))"
        case "TIME", "TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "TIMESTAMP_TZ": return "\(type)(\(int("scale") ?? 9))"
        default: return canonical(type)
        }
    }

    /// The canonical text of a type; text that is not a type (only ever from a live object) is kept as it is.
    static func canonical(_ text: String) -> String {
        switch parse(text) {
        case .success(let parsed): return parsed.text
        case .failure: return text.trimmingCharacters(in: .whitespaces).uppercased()
        }
    }

    /// Whether Snowflake can change a column from one type to the other in place
    /// (ALTER COLUMN … SET DATA TYPE only widens VARCHAR and NUMBER precision).
    static func canAlter(from old: String, to new: String) -> Bool {
        guard case .success(let a) = parse(old), case .success(let b) = parse(new) else { return false }
        if a == b { return true }
        guard a.base == b.base, a.integers.count == a.arguments.count, b.integers.count == b.arguments.count else { return false }
        let x = a.integers, y = b.integers
        switch a.base {
        case "VARCHAR": return y[0] >= x[0]
        case "NUMBER": return y[1] == x[1] && y[0] >= x[0]
        default: return false
        }
    }

    /// A literal (string, number, TRUE/FALSE/NULL) rather than a function or an identifier.
    static func isConstantDefault(_ text: String) -> Bool {
        let pattern = #"^(?i)(-?[0-9]+(\.[0-9]+)?|'([^'\\]|\\.|'')*'|TRUE|FALSE|NULL)$"#
        return text.trimmingCharacters(in: .whitespaces).range(of: pattern, options: .regularExpression) != nil
    }

    /// Column defaults are SQL expressions: only simple, safe ones are accepted, so a stack cannot inject SQL.
    static func isSafeDefault(_ text: String) -> Bool {
        let pattern = #"^(?i)([A-Z_][A-Z0-9_]*\(\)|[A-Z_][A-Z0-9_]*|-?[0-9]+(\.[0-9]+)?|'([^'\\]|\\.|'')*'|TRUE|FALSE|NULL)$"#
        return text.range(of: pattern, options: .regularExpression) != nil
    }
}
