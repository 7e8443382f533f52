import Foundation
import InfraEngine

/// Python source text for values: literals that mean exactly the value, and Jinja-safe text for the operator
/// arguments Airflow renders as templates.
enum PythonSource {
    /// A Python literal for `value` (str, int, float, bool, None, list, dict).
    static func literal(_ value: Value) -> String {
        switch value {
        case .null, .unknown: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? String(d) : "None"
        case .string(let s): return string(s)
        case .list(let items): return "[" + items.map(literal).joined(separator: ", ") + "]"
        case .map(let entries):
            return "{" + entries.keys.sorted().map { "\(string($0)): \(literal(entries[$0]!))" }.joined(separator: ", ") + "}"
        }
    }

    /// A Python string literal: a JSON string is one, with the same meaning.
    static func string(_ s: String) -> String { Value.string(s).canonicalJSON }

    /// A name fit for a Python variable: task names may hold '-' and '.'.
    static func identifier(_ name: String) -> String {
        var out = String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        if out.first?.isNumber ?? true { out = "t_" + out }
        return out
    }

    /// Text that Jinja renders back to itself: `{{`, `{%` and `{#` become expressions printing them.
    static func jinjaEscaped(_ text: String) -> String {
        var out = ""
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if c == "{", let next = chars.first, "{%#".contains(next) {
                chars.removeFirst()
                out += "{{ '{\(next)' }}"
            } else {
                out.append(c)
            }
        }
        return out
    }
}
