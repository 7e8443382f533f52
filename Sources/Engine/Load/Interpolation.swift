import Foundation

/// One `${...}` expression: a dotted path and a chain of filters, e.g. `${env.name | upper}`.
public struct Expression: Hashable, Sendable, CustomStringConvertible {
    public var path: [String]
    public var filters: [Filter]
    public var location: SourceLocation
    public var text: String

    public struct Filter: Hashable, Sendable {
        public var name: String
        public var arguments: [Value]
        public var location: SourceLocation
    }

    public var description: String { "${\(text)}" }
}

/// A string with embedded expressions. A string that is exactly one expression keeps the referenced
/// value's type (a list stays a list); anything else is text.
public struct Interpolation: Sendable {
    public enum Part: Sendable {
        case literal(String)
        case expression(Expression)
    }

    public var parts: [Part]

    public var expressions: [Expression] {
        parts.compactMap { if case .expression(let e) = $0 { return e } else { return nil } }
    }

    public var singleExpression: Expression? {
        if parts.count == 1, case .expression(let e) = parts[0] { return e }
        return nil
    }

    public var isLiteral: Bool { expressions.isEmpty }

    public static let knownFilters: [String: ClosedRange<Int>] = [
        "upper": 0...0, "lower": 0...0, "trim": 0...0, "default": 1...1, "replace": 2...2, "join": 1...1,
    ]

    /// Parses `text`, whose first character sits at `start`. `$${` escapes a literal `${`.
    public static func parse(_ text: String, at start: SourceLocation) throws -> Interpolation {
        var parts: [Part] = []
        var literal = ""
        let chars = Array(text)
        var i = 0
        var line = start.line, column = start.column

        func advance() {
            if chars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
            i += 1
        }

        while i < chars.count {
            if chars[i] == "$", i + 2 < chars.count, chars[i + 1] == "$", chars[i + 2] == "{" {
                literal += "${"
                advance(); advance(); advance()
                continue
            }
            if chars[i] == "$", i + 1 < chars.count, chars[i + 1] == "{" {
                let exprStart = SourceLocation(file: start.file, line: line, column: column)
                advance(); advance()
                var body = ""
                var closed = false
                var quote: Character?
                while i < chars.count {
                    let c = chars[i]
                    if let q = quote {
                        if c == q { quote = nil }
                    } else if c == "'" || c == "\"" {
                        quote = c
                    } else if c == "}" {
                        closed = true
                        advance()
                        break
                    }
                    body.append(c)
                    advance()
                }
                guard closed else {
                    throw Diagnostic("unterminated expression '${\(body)'", at: exprStart, hint: "close it with '}'")
                }
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                parts.append(.expression(try parseExpression(body, at: exprStart)))
                continue
            }
            literal.append(chars[i])
            advance()
        }
        if !literal.isEmpty || parts.isEmpty { parts.append(.literal(literal)) }
        return Interpolation(parts: parts)
    }

    /// `body` is the text between `${` and `}`; `start` is the position of the `$`.
    static func parseExpression(_ body: String, at start: SourceLocation) throws -> Expression {
        var scanner = ExpressionScanner(chars: Array(body), start: start)
        scanner.skipSpaces()
        var path: [String] = []
        repeat {
            scanner.skipSpaces()
            guard let ident = scanner.identifier() else {
                if path.isEmpty, scanner.atEnd {
                    throw Diagnostic("empty expression '${}'", at: start, hint: "write a reference such as ${var.name} or ${resource.attribute}")
                }
                throw Diagnostic("expected a name in '${\(body)}'", at: scanner.location,
                                 hint: "names are letters, digits, '_' and '-', joined by '.'")
            }
            path.append(ident)
        } while scanner.consume(".")
        var filters: [Expression.Filter] = []
        scanner.skipSpaces()
        while scanner.consume("|") {
            scanner.skipSpaces()
            let filterLocation = scanner.location
            guard let name = scanner.identifier() else {
                throw Diagnostic("expected a filter name after '|' in '${\(body)}'", at: filterLocation,
                                 hint: "known filters: \(knownFilters.keys.sorted().joined(separator: ", "))")
            }
            var arguments: [Value] = []
            scanner.skipSpaces()
            if scanner.consume("(") {
                scanner.skipSpaces()
                if !scanner.consume(")") {
                    repeat {
                        scanner.skipSpaces()
                        guard let argument = scanner.literal() else {
                            throw Diagnostic("expected a quoted string or a number as argument of '\(name)'", at: scanner.location,
                                             hint: "for example ${var.x | default('fallback')}")
                        }
                        arguments.append(argument)
                        scanner.skipSpaces()
                    } while scanner.consume(",")
                    guard scanner.consume(")") else {
                        throw Diagnostic("expected ')' to close the arguments of '\(name)'", at: scanner.location)
                    }
                }
            }
            guard let arity = knownFilters[name] else {
                throw Diagnostic("unknown filter '\(name)'", at: filterLocation,
                                 hint: Suggestion.hint(for: name, in: knownFilters.keys, kind: "filter"))
            }
            guard arity.contains(arguments.count) else {
                let expected = arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)"
                throw Diagnostic("filter '\(name)' takes \(expected) argument\(arity.upperBound == 1 ? "" : "s"), got \(arguments.count)",
                                 at: filterLocation, hint: name == "default" ? "for example ${var.x | default('fallback')}" : nil)
            }
            filters.append(.init(name: name, arguments: arguments, location: filterLocation))
            scanner.skipSpaces()
        }
        guard scanner.atEnd else {
            throw Diagnostic("unexpected '\(scanner.current!)' in '${\(body)}'", at: scanner.location,
                             hint: "an expression is a dotted name followed by filters, e.g. ${env.name | upper}")
        }
        return Expression(path: path, filters: filters, location: start, text: body.trimmingCharacters(in: .whitespaces))
    }
}

private struct ExpressionScanner {
    let chars: [Character]
    let start: SourceLocation
    var index = 0

    var atEnd: Bool { index >= chars.count }
    var current: Character? { atEnd ? nil : chars[index] }
    /// Two columns for the `${` that precede the body.
    var location: SourceLocation { start.advanced(byColumns: 2 + index) }

    mutating func skipSpaces() { while let c = current, c == " " || c == "\t" { index += 1 } }

    mutating func consume(_ c: Character) -> Bool {
        if current == c { index += 1; return true }
        return false
    }

    mutating func identifier() -> String? {
        var out = ""
        while let c = current, c.isLetter || c.isNumber || c == "_" || c == "-" { out.append(c); index += 1 }
        return out.isEmpty ? nil : out
    }

    mutating func literal() -> Value? {
        guard let c = current else { return nil }
        if c == "'" || c == "\"" {
            index += 1
            var out = ""
            while let d = current, d != c { out.append(d); index += 1 }
            guard consume(c) else { return nil }
            return .string(out)
        }
        var number = ""
        while let d = current, d.isNumber || d == "-" || d == "." { number.append(d); index += 1 }
        if let i = Int(number) { return .int(i) }
        if let d = Double(number) { return .double(d) }
        if let word = identifier() {
            switch word {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return .string(word)
            }
        }
        return nil
    }
}
