import Foundation

/// A property or attribute value, as the stack, the state and the providers see it.
/// `unknown` stands for a value that is known only after apply (Terraform's "(known after apply)").
public indirect enum Value: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([Value])
    case map([String: Value])
    case unknown

    public var isKnown: Bool {
        switch self {
        case .unknown: return false
        case .list(let items): return items.allSatisfy(\.isKnown)
        case .map(let entries): return entries.values.allSatisfy(\.isKnown)
        default: return true
        }
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var intValue: Int? { if case .int(let i) = self { return i } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var listValue: [Value]? { if case .list(let l) = self { return l } else { return nil } }
    public var mapValue: [String: Value]? { if case .map(let m) = self { return m } else { return nil } }

    /// The text a value takes when interpolated into a larger string.
    public var interpolationText: String {
        switch self {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return Value.format(d)
        case .string(let s): return s
        case .list, .map: return canonicalJSON
        case .unknown: return "(known after apply)"
        }
    }

    /// How a value reads in plan output: strings quoted, collections inline.
    public var displayText: String {
        switch self {
        case .string(let s): return Value.quote(s)
        case .list(let items): return "[" + items.map(\.displayText).joined(separator: ", ") + "]"
        case .map(let entries):
            return "{" + entries.keys.sorted().map { "\($0) = \(entries[$0]!.displayText)" }.joined(separator: ", ") + "}"
        case .unknown: return "(known after apply)"
        case .null: return "null"
        default: return interpolationText
        }
    }

    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .list: return "list"
        case .map: return "map"
        case .unknown: return "unknown"
        }
    }

    /// JSON with sorted keys: stable, so it can be hashed and compared.
    public var canonicalJSON: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return Value.format(d)
        case .string(let s): return Value.jsonQuote(s)
        case .list(let items): return "[" + items.map(\.canonicalJSON).joined(separator: ",") + "]"
        case .map(let entries):
            return "{" + entries.keys.sorted().map { Value.jsonQuote($0) + ":" + entries[$0]!.canonicalJSON }.joined(separator: ",") + "}"
        case .unknown: return "{\"__unknown__\":true}"
        }
    }

    static func format(_ d: Double) -> String {
        if d.rounded() == d, abs(d) < 1e15 { return String(Int(d)) + ".0" }
        return String(d)
    }

    static func quote(_ s: String) -> String { jsonQuote(s) }

    static func jsonQuote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

extension Value: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let b = try? container.decode(Bool.self) { self = .bool(b); return }
        if let i = try? container.decode(Int.self) { self = .int(i); return }
        if let d = try? container.decode(Double.self) { self = .double(d); return }
        if let s = try? container.decode(String.self) { self = .string(s); return }
        if let l = try? container.decode([Value].self) { self = .list(l); return }
        let m = try container.decode([String: Value].self)
        if m.count == 1, m["__unknown__"] == .bool(true) { self = .unknown; return }
        self = .map(m)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .int(let i): try container.encode(i)
        case .double(let d): try container.encode(d)
        case .string(let s): try container.encode(s)
        case .list(let l): try container.encode(l)
        case .map(let m): try container.encode(m)
        case .unknown: try container.encode(["__unknown__": true])
        }
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: Value...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .map(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
