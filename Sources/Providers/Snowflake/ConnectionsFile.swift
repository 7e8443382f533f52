import Foundation

/// `~/.snowflake/connections.toml` as the Snowflake CLI and Python connector read it: one table per named
/// connection (`[name]`, or `[connections.name]` in config.toml style) of string, number and boolean keys.
/// Only that subset of TOML is accepted; anything else is an error naming the line.
struct ConnectionsFile {
    var connections: [String: [String: String]] = [:]
    var defaultName: String?

    struct ParseError: Error, CustomStringConvertible {
        var file: String, line: Int, message: String
        var description: String { "\(file):\(line): \(message)" }
    }

    init(text: String, file: String) throws {
        var current: String?
        for (index, rawLine) in text.components(separatedBy: .newlines).enumerated() {
            let line = Self.stripComment(rawLine).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw ParseError(file: file, line: index + 1, message: "a table header must end with ]") }
                var name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("connections.") { name.removeFirst("connections.".count) }
                name = Self.unquote(name)
                current = name
                connections[name, default: [:]] = connections[name] ?? [:]
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw ParseError(file: file, line: index + 1, message: "expected `key = value`")
            }
            let key = Self.unquote(line[..<eq].trimmingCharacters(in: .whitespaces)).lowercased()
            let value = Self.unquote(line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces))
            if let current { connections[current]?[key] = value } else if key == "default_connection_name" { defaultName = value }
        }
    }

    static func load(environment: [String: String], home: String) throws -> ConnectionsFile? {
        let folder = environment["SNOWFLAKE_HOME"] ?? "\(home)/.snowflake"
        let path = "\(folder)/connections.toml"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try ConnectionsFile(text: String(decoding: data, as: UTF8.self), file: path)
    }

    private static func stripComment(_ line: String) -> String {
        var inString: Character?
        for (offset, ch) in line.enumerated() {
            if let quote = inString { if ch == quote { inString = nil } } else if ch == "\"" || ch == "'" { inString = ch } else if ch == "#" {
                return String(line.prefix(offset))
            }
        }
        return line
    }

    private static func unquote(_ s: String) -> String {
        if s.count >= 2, let f = s.first, f == "\"" || f == "'", s.last == f {
            let inner = String(s.dropFirst().dropLast())
            return f == "\"" ? inner.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\") : inner
        }
        return s
    }
}
