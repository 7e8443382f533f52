import Foundation
import InfraEngine

/// IAM policy documents compared by meaning, not text. IAM returns documents URL-encoded, reorders nothing
/// but also keeps a single action as a string where the stack wrote a list; Terraform's provider has years
/// of perpetual diffs from exactly this. Both sides go through `canonical` before comparison.
public enum PolicyDocument {
    /// Keys whose values are sets: a string is a one-element set, order carries no meaning.
    static let setKeys: Set<String> = ["Action", "NotAction", "Resource", "NotResource"]

    public static func canonical(_ document: Value) -> Value {
        guard case .map(var map) = document else { return document }
        map["Version"] = map["Version"] ?? .string("2012-10-17")
        var statements: [Value]
        switch map["Statement"] {
        case .list(let l)?: statements = l
        case let single?: statements = [single]
        case nil: statements = []
        }
        statements = statements.map(canonicalStatement).sorted { $0.canonicalJSON < $1.canonicalJSON }
        map["Statement"] = .list(statements)
        map.removeValue(forKey: "Id")
        return .map(map)
    }

    static func canonicalStatement(_ statement: Value) -> Value {
        guard case .map(var s) = statement else { return statement }
        for key in setKeys where s[key] != nil { s[key] = set(s[key]!) }
        if let sid = s["Sid"]?.stringValue, sid.isEmpty { s.removeValue(forKey: "Sid") }
        for key in ["Principal", "NotPrincipal"] {
            guard let principal = s[key] else { continue }
            if case .map(let p) = principal { s[key] = .map(p.mapValues(set)) } else { s[key] = principal }
        }
        if case .map(let condition)? = s["Condition"] {
            s["Condition"] = .map(condition.mapValues { op in
                guard case .map(let keys) = op else { return op }
                return .map(keys.mapValues(set))
            })
        }
        return .map(s)
    }

    static func set(_ value: Value) -> Value {
        switch value {
        case .list(let items):
            var seen = Set<String>()
            let unique = items.filter { seen.insert($0.canonicalJSON).inserted }
            return .list(unique.sorted { $0.canonicalJSON < $1.canonicalJSON })
        case .string: return .list([value])
        default: return value
        }
    }

    /// Parses JSON text, URL-decoding first if IAM returned it encoded.
    public static func parse(_ text: String) -> Value? {
        let decoded = text.hasPrefix("%7B") || text.hasPrefix("%7b") ? (text.removingPercentEncoding ?? text) : text
        guard let data = decoded.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode(Value.self, from: data)
    }

    /// A document as the stack may write it: JSON text (possibly URL-encoded) or a map; nil for anything else.
    public static func from(_ value: Value) -> Value? {
        switch value {
        case .string(let text): return parse(text)
        case .map: return value
        default: return nil
        }
    }

    /// Stable JSON for sending: sorted keys, so equal documents produce equal text.
    public static func json(_ document: Value) -> String { canonical(document).canonicalJSON }

    /// The `policy:` shorthand: `[{allow: [s3:GetObject], on: arn…}, {deny: …, on: …, condition: …}]`.
    public static func fromShorthand(_ statements: [Value]) -> Value {
        let converted: [Value] = statements.compactMap { item in
            guard case .map(let m) = item else { return nil }
            var statement: [String: Value] = [:]
            if let actions = m["allow"] { statement["Effect"] = "Allow"; statement["Action"] = actions }
            if let actions = m["deny"] { statement["Effect"] = "Deny"; statement["Action"] = actions }
            statement["Resource"] = m["on"] ?? .string("*")
            if let condition = m["condition"] { statement["Condition"] = condition }
            if let sid = m["sid"] { statement["Sid"] = sid }
            return .map(statement)
        }
        return .map(["Version": "2012-10-17", "Statement": .list(converted)])
    }

    /// The trust policy a role's `trust:` block stands for.
    /// `snowflake_integration` trusts the integration's AWS principal with its external ID — the
    /// condition the integration's documentation asks for and that users forget.
    public static func trust(_ trust: [String: Value]) -> Value {
        var statements: [Value] = []
        // One principal may be written as a string; IAM's documents (and its answers) use lists.
        var trust = trust
        for key in ["services", "aws"] { if case .string(let one)? = trust[key] { trust[key] = .list([.string(one)]) } }
        if case .map(let integration)? = trust["snowflake_integration"] {
            statements.append(.map([
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": .map(["AWS": integration["aws_iam_user_arn"] ?? .unknown]),
                "Condition": .map(["StringEquals": .map(["sts:ExternalId": integration["external_id"] ?? .unknown])]),
            ]))
        }
        if let services = trust["services"], services != .list([]) {
            statements.append(.map(["Effect": "Allow", "Action": "sts:AssumeRole", "Principal": .map(["Service": services])]))
        }
        if let accounts = trust["aws"], accounts != .list([]) {
            var statement: [String: Value] = ["Effect": "Allow", "Action": "sts:AssumeRole", "Principal": .map(["AWS": accounts])]
            if let external = trust["external_id"], external != .null {
                statement["Condition"] = .map(["StringEquals": .map(["sts:ExternalId": external])])
            }
            statements.append(.map(statement))
        }
        for extra in trust["statements"]?.listValue ?? [] { statements.append(extra) }
        return .map(["Version": "2012-10-17", "Statement": .list(statements)])
    }
}
