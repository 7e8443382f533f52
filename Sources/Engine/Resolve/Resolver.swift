import Foundation

/// Evaluates a stack's expressions. Evaluation is lazy and memoised per variable, property and
/// attribute, so a resource's plan-time ARN is computed from its name alone and the storage
/// integration ↔ IAM role handshake (each needs something of the other) resolves without a cycle.
public final class Resolver {
    public let stack: LoadedStack
    public let kinds: [String: KindSchema]
    let planning: PlanningContext
    let plannedAttributes: (String, [String: Value]) -> [String: Value]
    let impliedProperties: (String, [String: Value]) -> [String: Value]
    /// Attributes known from live objects or finished applies; nil means "known after apply".
    public var knownAttribute: ((String, String) throws -> Value?)?
    /// Values for `${run.*}` inside pipelines.
    public var runValues: [String: Value] = [:]

    private enum Key: Hashable, CustomStringConvertible {
        case variable(String)
        case parameter(ObjectIdentifier, String, String)
        case property(String, String)
        case attribute(String, String)

        var description: String {
            switch self {
            case .variable(let n): return "var.\(n)"
            case .parameter(_, let instance, let n): return "\(instance)param.\(n)"
            case .property(let r, let p), .attribute(let r, let p): return "\(r).\(p)"
            }
        }
    }

    private var memo: [Key: Value] = [:]
    private var inProgress: [Key] = []

    /// Bounds on what `${…}` may expand to: a stack of 30 vars that each double the one before asks for
    /// gigabytes. No real value (a name, a policy, a statement) comes near either bound.
    public static let maxExpandedLength = 256 * 1024
    public static let maxExpandedTotal = 32 * 1024 * 1024
    private var expandedTotal = 0

    /// `text`, once checked against the bounds; `final` values count toward the total.
    private func bounded(_ text: String, at location: SourceLocation, final: Bool) throws -> String {
        let length = text.utf8.count
        guard length <= Self.maxExpandedLength else {
            throw Diagnostic("this value expands to more than \(Self.maxExpandedLength / 1024) KiB", at: location,
                             hint: "an expression repeats a long value; values built by doubling others grow without bound")
        }
        guard final else { return text }
        expandedTotal += length
        guard expandedTotal <= Self.maxExpandedTotal else {
            throw Diagnostic("the stack's expressions expand to more than \(Self.maxExpandedTotal / 1024 / 1024) MiB in all", at: location,
                             hint: "values that repeat other long values multiply their size")
        }
        return text
    }

    public init(stack: LoadedStack, kinds: KindRegistry) {
        self.stack = stack
        self.kinds = kinds.kinds.mapValues(\.schema)
        self.planning = PlanningContext(environment: stack.environment.value)
        let registry = kinds
        let planning = self.planning
        self.plannedAttributes = { kind, properties in registry[kind]?.plannedAttributes(properties, context: planning) ?? [:] }
        self.impliedProperties = { kind, properties in registry[kind]?.impliedProperties(properties) ?? properties }
    }

    /// Resolves every value with nothing live known: finds type errors after interpolation,
    /// filters applied to the wrong type, and values that depend on each other in a cycle.
    public static func checkValues(of stack: LoadedStack, kinds: KindRegistry) throws {
        let resolver = Resolver(stack: stack, kinds: kinds)
        let sink = DiagnosticSink()
        func attempt(_ body: () throws -> Void) {
            do { try body() } catch let d as Diagnostic { sink.report(d) } catch {}
        }
        for name in stack.varOrder { attempt { _ = try resolver.evaluate(stack.environment.vars[name] ?? stack.vars[name]!) } }
        for resource in stack.resources { attempt { _ = try resolver.properties(of: resource.logicalName) } }
        for output in stack.outputs { attempt { _ = try resolver.evaluate(output.value) } }
        try sink.throwIfAny()
    }

    /// A digest of what one deployment is asked to be: the stack and templates (the revision), every var as this
    /// environment resolves it, and every resource's resolved properties. Verify records it; promote compares it.
    public static func inputsDigest(of stack: LoadedStack, kinds: KindRegistry) throws -> String {
        let resolver = Resolver(stack: stack, kinds: kinds)
        var lines = ["revision\t\(stack.revision)"]
        for name in stack.varOrder {
            lines.append("var.\(name)\t\(try resolver.evaluate(stack.environment.vars[name] ?? stack.vars[name]!).canonicalJSON)")
        }
        for resource in stack.resources.sorted(by: { $0.logicalName < $1.logicalName }) {
            lines.append("\(resource.logicalName)\t\(Value.map(try resolver.properties(of: resource.logicalName)).canonicalJSON)")
        }
        return SHA256Hex.of(lines.joined(separator: "\n"))
    }

    // MARK: Resources

    /// Every property the resource declares or defaults, resolved and type-checked.
    public func properties(of logicalName: String) throws -> [String: Value] {
        guard let decl = stack.resource(logicalName), let schema = kinds[decl.kind] else { return [:] }
        var out: [String: Value] = [:]
        for property in schema.properties {
            let value = try self.property(logicalName, property.name)
            if value != .null || decl.properties[property.name] != nil { out[property.name] = value }
        }
        return impliedProperties(decl.kind, out)
    }

    public func property(_ logicalName: String, _ name: String) throws -> Value {
        try memoised(.property(logicalName, name)) {
            guard let decl = stack.resource(logicalName), let schema = kinds[decl.kind], let property = schema.property(name) else {
                return .null
            }
            guard let node = decl.properties[name] else {
                if schema.nameDefaultsToLogicalName == name {
                    return .string(String(logicalName.split(separator: ".").last ?? Substring(logicalName)))
                }
                return property.defaultValue ?? .null
            }
            let value = try evaluate(node.node, as: property.type, scope: node.scope)
            return try TypeCoercion.coerce(value, to: property.type, name: name, at: node.node.location)
        }
    }

    public func attribute(_ logicalName: String, _ name: String) throws -> Value {
        try memoised(.attribute(logicalName, name)) {
            guard let decl = stack.resource(logicalName), let schema = kinds[decl.kind] else { return .unknown }
            guard let attribute = schema.attribute(name) else { return try property(logicalName, name) }
            switch attribute.availability {
            case .planTime(let inputs):
                var values: [String: Value] = [:]
                for input in inputs { values[input] = try property(logicalName, input) }
                if values.values.allSatisfy(\.isKnown), let planned = plannedAttributes(decl.kind, values)[name], planned.isKnown {
                    return planned
                }
                return try knownAttribute?(logicalName, name) ?? .unknown
            case .afterApply:
                // A property of the same name, when set, fixes the attribute in advance (a preset external ID).
                if schema.property(name) != nil, case let preset = try property(logicalName, name), preset.isKnown, preset != .null {
                    return preset
                }
                return try knownAttribute?(logicalName, name) ?? .unknown
            }
        }
    }

    // MARK: Values

    /// Evaluates a property's node following its type, so that `.resource` positions yield the referenced
    /// resource's attributes instead of its name.
    func evaluate(_ node: SourceNode, as type: PropertyType, scope: Scope) throws -> Value {
        switch (type, node) {
        case (.resource(let kind), .scalar(let s)):
            guard let expression = (try? Interpolation.parse(s.text, at: s.location.advanced(byColumns: s.contentColumnOffset)))?.singleExpression,
                  case .resource(let target, nil, _) = try stack.target(of: expression, in: scope)
            else {
                throw Diagnostic("expected a reference to a \(kind), like ${name}", at: s.location, hint: "write the resource's logical name as ${name}")
            }
            let targetKind = stack.resource(target)!.kind
            guard targetKind == kind else {
                throw Diagnostic("'\(target)' is a \(targetKind), not a \(kind)", at: expression.location,
                                 hint: Suggestion.hint(for: target, in: stack.resources.filter { $0.kind == kind }.map(\.logicalName), kind: kind))
            }
            guard let schema = kinds[kind] else { return .unknown }
            var object: [String: Value] = ["name": try attribute(target, schema.referenceAttribute)]
            for a in schema.attributes { object[a.name] = try attribute(target, a.name) }
            return .map(object)
        case (.object(let fields), .mapping(let entries, _)):
            var map: [String: Value] = [:]
            for entry in entries {
                let fieldType = fields.first { $0.name == entry.key.text }?.type ?? .any
                map[entry.key.text] = try evaluate(entry.value, as: fieldType, scope: scope)
            }
            return .map(map)
        case (.list(let element), .sequence(let items, _)), (.set(let element), .sequence(let items, _)):
            return .list(try items.map { try evaluate($0, as: element, scope: scope) })
        default:
            let value = try evaluate(node, scope: scope, inPipeline: false)
            if !value.isKnown, type.isStructured, case .scalar(let s) = node, let attribute = try afterApplyAttribute(in: s, scope: scope) {
                // Attributes are text. Known only after apply, the value cannot be checked then: say so now, before any change.
                throw Diagnostic("expected \(type.displayName) here, but \(attribute) is text (known only after apply)", at: attribute.location,
                                 hint: type.isList ? "put it in a list: [\"\(attribute)\"]" : "reference an attribute or property of the right shape")
            }
            return value
        }
    }

    /// The expression when a scalar is exactly one reference to an attribute known only after apply.
    func afterApplyAttribute(in scalar: SourceNode.Scalar, scope: Scope) throws -> Expression? {
        guard let expression = (try? Interpolation.parse(scalar.text, at: scalar.location.advanced(byColumns: scalar.contentColumnOffset)))?.singleExpression,
              expression.filters.isEmpty,
              case .resource(let target, let name?, let rest) = try stack.target(of: expression, in: scope), rest.isEmpty,
              let decl = stack.resource(target), let attribute = kinds[decl.kind]?.attribute(name),
              case .afterApply = attribute.availability
        else { return nil }
        return expression
    }

    public func evaluate(_ scoped: ScopedNode, inPipeline: Bool = false) throws -> Value {
        try evaluate(scoped.node, scope: scoped.scope, inPipeline: inPipeline)
    }

    func evaluate(_ node: SourceNode, scope: Scope, inPipeline: Bool) throws -> Value {
        switch node {
        case .sequence(let items, _):
            return .list(try items.map { try evaluate($0, scope: scope, inPipeline: inPipeline) })
        case .mapping(let entries, _):
            var map: [String: Value] = [:]
            for entry in entries { map[entry.key.text] = try evaluate(entry.value, scope: scope, inPipeline: inPipeline) }
            return .map(map)
        case .scalar(let s):
            guard s.text.contains("${") else { return SourceNode.literalValue(s) }
            let interpolation = try Interpolation.parse(s.text, at: s.location.advanced(byColumns: s.contentColumnOffset))
            if let single = interpolation.singleExpression {
                return try evaluate(single, scope: scope, inPipeline: inPipeline)
            }
            var text = ""
            for part in interpolation.parts {
                switch part {
                case .literal(let l): text += l
                case .expression(let e):
                    let value = try evaluate(e, scope: scope, inPipeline: inPipeline)
                    guard value.isKnown else { return .unknown }
                    text += value.interpolationText
                    text = try bounded(text, at: e.location, final: false)
                }
            }
            if interpolation.isLiteral { return SourceNode.literalValue(s) }
            return .string(try bounded(text, at: s.location, final: true))
        }
    }

    public func evaluate(_ expression: Expression, scope: Scope, inPipeline: Bool) throws -> Value {
        let target = try stack.target(of: expression, in: scope, inPipeline: inPipeline)
        var value: Value
        var rest: [String]
        switch target {
        case .variable(let name, let r):
            rest = r
            value = try memoised(.variable(name)) {
                let node = stack.environment.vars[name] ?? stack.vars[name]!
                return try evaluate(node, inPipeline: false)
            }
        case .environment(let r):
            rest = r
            value = stack.environment.value
        case .parameter(let name, let r):
            rest = r
            value = try memoised(.parameter(ObjectIdentifier(scope), scope.prefix, name)) {
                guard let node = scope.params?[name] else { return .null }
                return try evaluate(node, inPipeline: inPipeline)
            }
        case .run(let r):
            rest = []
            value = runValues[r[0]] ?? .unknown
        case .resource(let name, let attribute, let r):
            rest = r
            let kind = stack.resource(name)!.kind
            value = try self.attribute(name, attribute ?? kinds[kind]!.referenceAttribute)
        }
        for key in rest {
            guard value.isKnown else { break }
            guard case .map(let map) = value, let next = map[key] else {
                throw Diagnostic("'\(key)' not found in '${\(expression.text)}'", at: expression.location,
                                 hint: value.mapValue.map { Suggestion.hint(for: key, in: $0.keys, kind: "key") })
            }
            value = next
        }
        for filter in expression.filters { value = try apply(filter, to: value, in: expression) }
        return value
    }

    func apply(_ filter: Expression.Filter, to value: Value, in expression: Expression) throws -> Value {
        if case .unknown = value { return .unknown }
        func string() throws -> String {
            switch value {
            case .string(let s): return s
            case .int, .double, .bool: return value.interpolationText
            default:
                throw Diagnostic("filter '\(filter.name)' needs a string, got a \(value.typeName)", at: filter.location,
                                 hint: "'\(filter.name)' applies to text values")
            }
        }
        switch filter.name {
        case "upper": return .string(try string().uppercased())
        case "lower": return .string(try string().lowercased())
        case "trim": return .string(try string().trimmingCharacters(in: .whitespacesAndNewlines))
        case "default":
            if value == .null || value == .string("") { return filter.arguments[0] }
            return value
        case "replace":
            return .string(try bounded(try string().replacingOccurrences(of: filter.arguments[0].interpolationText,
                                                                         with: filter.arguments[1].interpolationText),
                                       at: filter.location, final: true))
        case "join":
            guard case .list(let items) = value else {
                throw Diagnostic("filter 'join' needs a list, got a \(value.typeName)", at: filter.location)
            }
            guard items.allSatisfy(\.isKnown) else { return .unknown }
            return .string(try bounded(items.map(\.interpolationText).joined(separator: filter.arguments[0].interpolationText),
                                       at: filter.location, final: true))
        default:
            throw Diagnostic("unknown filter '\(filter.name)'", at: filter.location)
        }
    }

    private func memoised(_ key: Key, _ compute: () throws -> Value) throws -> Value {
        if let value = memo[key] { return value }
        if let start = inProgress.firstIndex(of: key) {
            // Rotate so the cycle reads the same whichever member was evaluated first.
            var members = Array(inProgress[start...])
            let first = members.indices.min { members[$0].description < members[$1].description }!
            members = Array(members[first...] + members[..<first])
            let cycle = (members + [members[0]]).map(\.description).joined(separator: " -> ")
            throw Diagnostic("values depend on each other in a cycle: \(cycle)", at: location(of: members[0]),
                             hint: "one of these values must not depend on the others")
        }
        inProgress.append(key)
        defer { inProgress.removeLast() }
        let value = try compute()
        memo[key] = value
        return value
    }

    private func location(of key: Key) -> SourceLocation? {
        switch key {
        case .variable(let name): return (stack.environment.vars[name] ?? stack.vars[name])?.node.location
        case .property(let r, let p), .attribute(let r, let p):
            return stack.resource(r)?.properties[p]?.node.location ?? stack.resource(r)?.location
        case .parameter: return nil
        }
    }
}

/// Brings resolved values to their declared types: numbers written where text is expected become text,
/// and anything that cannot be converted is an error at the place it was written.
enum TypeCoercion {
    static func coerce(_ value: Value, to type: PropertyType, name: String, at location: SourceLocation) throws -> Value {
        if case .unknown = value { return value }
        if case .null = value { return value }
        func fail() -> Diagnostic {
            let expected = type.displayName
            let article = expected.hasPrefix("one of") || expected.hasPrefix("any") ? "" : ("aeiou".contains(expected.first!) ? "an " : "a ")
            return Diagnostic("'\(name)' must be \(article)\(expected), got \(value.typeName) \(value.displayText)", at: location,
                              hint: "the expression's value has the wrong type; check what it refers to")
        }
        switch type {
        case .any, .resource:
            return value
        case .oneOf(let types):
            for candidate in types {
                if let coerced = try? coerce(value, to: candidate, name: name, at: location) { return coerced }
            }
            throw fail()
        case .string:
            switch value {
            case .string: return value
            case .int, .double, .bool: return .string(value.interpolationText)
            default: throw fail()
            }
        case .int:
            if case .int = value { return value }
            if case .string(let s) = value, let i = Int(s) { return .int(i) }
            throw fail()
        case .number:
            switch value {
            case .int, .double: return value
            case .string(let s): if let d = Double(s) { return .double(d) }; throw fail()
            default: throw fail()
            }
        case .bool:
            if case .bool = value { return value }
            if case .string(let s) = value, ["true", "false"].contains(s.lowercased()) { return .bool(s.lowercased() == "true") }
            throw fail()
        case .enumeration(let values, let caseInsensitive):
            guard case .string(let s) = value else { throw fail() }
            guard let match = values.first(where: { caseInsensitive ? $0.lowercased() == s.lowercased() : $0 == s }) else {
                throw Diagnostic("'\(s)' is not a valid value for '\(name)'", at: location,
                                 hint: "valid values: \(values.joined(separator: ", "))")
            }
            return .string(match)
        case .checked(let check):
            guard case .string(let s) = try coerce(value, to: .string, name: name, at: location) else { throw fail() }
            if let problem = check.problem(s) { throw Diagnostic(problem.message, at: location, hint: problem.hint) }
            return .string(s)
        case .list(let element), .set(let element):
            guard case .list(let items) = value else { throw fail() }
            return .list(try items.map { try coerce($0, to: element, name: name, at: location) })
        case .map(let element):
            guard case .map(let entries) = value else { throw fail() }
            return .map(try entries.mapValues { try coerce($0, to: element, name: name, at: location) })
        case .object(let fields):
            guard case .map(var entries) = value else { throw fail() }
            // Values that arrive through expressions (a template parameter) get the same key check as literals.
            let known = Set(fields.map(\.name))
            if let unknown = entries.keys.sorted().first(where: { !known.contains($0) }) {
                throw Diagnostic("unknown key '\(unknown)' in '\(name)'", at: location,
                                 hint: Suggestion.hint(for: unknown, in: known, kind: "key")
                                    + (unknown.hasSuffix(")") ? " (a type like NUMBER(10,2) in a {…} mapping needs quotes)" : ""))
            }
            for field in fields {
                if let v = entries[field.name] {
                    entries[field.name] = try coerce(v, to: field.type, name: field.name, at: location)
                } else if let d = field.defaultValue {
                    entries[field.name] = d
                }
            }
            return .map(entries)
        }
    }
}
