import Foundation
import Yams

/// A YAML node that remembers where it came from, so every later error can point at it.
public indirect enum SourceNode: Sendable {
    case scalar(Scalar)
    case sequence([SourceNode], SourceLocation)
    case mapping([Entry], SourceLocation)

    public struct Scalar: Sendable {
        public var text: String
        public var location: SourceLocation
        /// Plain (unquoted) scalars may be numbers, booleans or null; quoted ones are always strings.
        public var isPlain: Bool
        /// Single-line quoted scalars start one column after their mark; errors inside them need the offset.
        public var contentColumnOffset: Int
    }

    public struct Entry: Sendable {
        public var key: Scalar
        public var value: SourceNode
    }

    public var location: SourceLocation {
        switch self {
        case .scalar(let s): return s.location
        case .sequence(_, let l), .mapping(_, let l): return l
        }
    }

    public var kindName: String {
        switch self {
        case .scalar(let s): return s.isPlain ? SourceNode.literalValue(s).typeName : "string"
        case .sequence: return "list"
        case .mapping: return "map"
        }
    }

    public var scalar: Scalar? { if case .scalar(let s) = self { return s } else { return nil } }
    public var entries: [Entry]? { if case .mapping(let e, _) = self { return e } else { return nil } }
    public var items: [SourceNode]? { if case .sequence(let i, _) = self { return i } else { return nil } }

    public subscript(key: String) -> SourceNode? { entries?.first { $0.key.text == key }?.value }

    /// The typed value of a scalar, following YAML's core schema.
    static func literalValue(_ s: Scalar) -> Value {
        guard s.isPlain else { return .string(s.text) }
        switch s.text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let i = Int(s.text), s.text.first != "+" { return .int(i) }
        if s.text.contains("."), let d = Double(s.text), s.text.allSatisfy({ "0123456789.-+eE".contains($0) }) { return .double(d) }
        return .string(s.text)
    }

    /// The node as a plain value, expressions left as text (used where no interpolation applies).
    public var plainValue: Value {
        switch self {
        case .scalar(let s): return SourceNode.literalValue(s)
        case .sequence(let items, _): return .list(items.map(\.plainValue))
        case .mapping(let entries, _):
            return .map(Dictionary(entries.map { ($0.key.text, $0.value.plainValue) }, uniquingKeysWith: { a, _ in a }))
        }
    }
}

/// Reads YAML text into source nodes, turning libyaml's errors into diagnostics with a position.
public enum SourceReader {
    public static func read(file: String, text: String) throws -> SourceNode? {
        if let anchor = YAMLAnchorScan.firstAnchor(in: text) {
            throw Diagnostic("YAML anchors and aliases are not supported (\(anchor.isAlias ? "alias *" : "anchor &")\(anchor.name))",
                             at: SourceLocation(file: file, line: anchor.line, column: anchor.column),
                             hint: "use vars or templates to share values")
        }
        let node: Yams.Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw diagnostic(for: error, file: file, text: text)
        }
        guard let node else { return nil }
        return try convert(node, file: file)
    }

    public static func read(file: String) throws -> SourceNode? {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw Diagnostic("cannot read \(file)", at: nil, hint: "check that the file exists and is readable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic("\(file) is not UTF-8 text", at: SourceLocation(file: file, line: 1, column: 1))
        }
        return try read(file: file, text: text)
    }

    private static func location(_ mark: Mark?, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private static func convert(_ node: Yams.Node, file: String) throws -> SourceNode {
        switch node {
        case .scalar(let s):
            return .scalar(scalar(s, file: file))
        case .sequence(let seq):
            return .sequence(try seq.map { try convert($0, file: file) }, location(seq.mark, file))
        case .mapping(let map):
            var entries: [SourceNode.Entry] = []
            for (key, value) in map {
                guard case .scalar(let keyScalar) = key else {
                    throw Diagnostic("a mapping key must be a plain name", at: location(key.mark, file),
                                     hint: "write keys as simple words, e.g. `name: value`")
                }
                entries.append(.init(key: scalar(keyScalar, file: file), value: try convert(value, file: file)))
            }
            return .mapping(entries, location(map.mark, file))
        case .alias(let alias):
            throw Diagnostic("YAML aliases are not supported", at: location(alias.mark, file),
                             hint: "use vars or templates to share values")
        }
    }

    private static func scalar(_ s: Yams.Node.Scalar, file: String) -> SourceNode.Scalar {
        let quoted = s.style == .singleQuoted || s.style == .doubleQuoted
        return SourceNode.Scalar(text: s.string, location: location(s.mark, file), isPlain: s.style == .plain || s.style == .any,
                                 contentColumnOffset: quoted ? 1 : 0)
    }

    static func diagnostic(for error: YamlError, file: String, text: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            return Diagnostic(message, at: SourceLocation(file: file, line: mark.line, column: mark.column),
                              hint: "check indentation, quoting and that every `key:` is followed by a space")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? "?"
            let place = secondOccurrence(of: key, after: context.mark, in: text)
            return Diagnostic("duplicate key '\(key)'",
                              at: SourceLocation(file: file, line: place.line, column: place.column),
                              hint: "each key may appear once in a mapping; first defined at line \(context.mark.line)")
        case .reader(let problem, _, _, _):
            return Diagnostic("cannot read YAML: \(problem)", at: SourceLocation(file: file, line: 1, column: 1))
        default:
            return Diagnostic("invalid YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }

    /// libyaml reports a duplicate at its first definition; users need the line that repeats it.
    private static func secondOccurrence(of key: String, after mark: Mark, in text: String) -> (line: Int, column: Int) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let column = mark.column
        for index in mark.line..<lines.count {
            let line = Array(lines[index])
            guard line.count >= column - 1 + key.count else { continue }
            let start = line.index(line.startIndex, offsetBy: column - 1)
            let rest = String(line[start...])
            let leading = String(line[..<start])
            if leading.allSatisfy({ $0 == " " || $0 == "-" }), rest.hasPrefix(key + ":") || rest.hasPrefix("\"\(key)\":") {
                return (index + 1, column)
            }
        }
        return (mark.line, mark.column)
    }
}
