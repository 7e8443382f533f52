import Foundation

/// What an expression's path points at, once its scope is taken into account.
public enum ReferenceTarget: Sendable, Equatable {
    case variable(String, rest: [String])
    case environment(rest: [String])
    case parameter(String, rest: [String])
    case run(rest: [String])
    /// `attribute` nil means a bare reference, standing for the kind's reference attribute.
    case resource(String, attribute: String?, rest: [String])
}

extension LoadedStack {
    /// Resolves the head of an expression's path: a namespace (var, env, param, run) or a resource name.
    /// Resource names are looked up in the expression's scope, longest dotted prefix first, so
    /// `${orders.stage.url}` finds resource `orders.stage` from a template instance.
    public func target(of expression: Expression, in scope: Scope, inPipeline: Bool = false) throws -> ReferenceTarget {
        let path = expression.path
        let head = path[0]
        switch head {
        case "var":
            guard scope.isRoot else {
                throw Diagnostic("templates cannot read stack vars ('${\(expression.text)}')", at: expression.location,
                                 hint: "pass the value in as a parameter and use ${param.NAME}")
            }
            guard path.count >= 2 else {
                throw Diagnostic("'${var}' needs a variable name", at: expression.location, hint: "write ${var.NAME}")
            }
            guard vars[path[1]] != nil else {
                throw Diagnostic("unknown variable '\(path[1])'", at: expression.location,
                                 hint: Suggestion.hint(for: path[1], in: vars.keys, kind: "variable"))
            }
            return .variable(path[1], rest: Array(path.dropFirst(2)))
        case "env":
            let known = ["name", "protected", "aws", "snowflake"]
            guard path.count >= 2, known.contains(path[1]) else {
                throw Diagnostic("unknown environment field '\(path.count >= 2 ? path[1] : "")'", at: expression.location,
                                 hint: path.count >= 2 ? Suggestion.hint(for: path[1], in: known, kind: "field") : "write ${env.name}")
            }
            if path.count >= 3 {
                let fields = path[1] == "aws" ? EnvironmentConfig.awsSchema.map(\.name)
                    : path[1] == "snowflake" ? EnvironmentConfig.snowflakeSchema.map(\.name) : []
                if !fields.contains(path[2]) {
                    throw Diagnostic("unknown environment field '\(path[1]).\(path[2])'", at: expression.location,
                                     hint: Suggestion.hint(for: path[2], in: fields, kind: "field"))
                }
            }
            return .environment(rest: Array(path.dropFirst()))
        case "param":
            guard let params = scope.params else {
                throw Diagnostic("'${param.…}' is only meaningful inside a template", at: expression.location,
                                 hint: "in a stack, use ${var.NAME}")
            }
            guard path.count >= 2, params[path[1]] != nil else {
                let name = path.count >= 2 ? path[1] : ""
                throw Diagnostic("unknown parameter '\(name)' in template '\(scope.templateName ?? "?")'", at: expression.location,
                                 hint: Suggestion.hint(for: name, in: params.keys, kind: "parameter"))
            }
            return .parameter(path[1], rest: Array(path.dropFirst(2)))
        case "run" where inPipeline:
            let known = ["id", "batch_id", "started_at", "environment"]
            guard path.count == 2, known.contains(path[1]) else {
                throw Diagnostic("unknown run field '\(path.dropFirst().joined(separator: "."))'", at: expression.location,
                                 hint: "known: " + known.map { "run.\($0)" }.joined(separator: ", "))
            }
            return .run(rest: [path[1]])
        default:
            for length in stride(from: path.count, through: 1, by: -1) {
                let candidate = scope.prefix + path[0..<length].joined(separator: ".")
                guard let index = resourceIndex[candidate] else { continue }
                let resource = resources[index]
                if length == path.count { return .resource(candidate, attribute: nil, rest: []) }
                return .resource(resource.logicalName, attribute: path[length], rest: Array(path.dropFirst(length + 1)))
            }
            let visible = resources.map(\.logicalName).filter { $0.hasPrefix(scope.prefix) }.map { String($0.dropFirst(scope.prefix.count)) }
            var candidates = visible + (scope.isRoot ? ["var", "env"] : ["param", "env"])
            if inPipeline { candidates.append("run") }
            throw Diagnostic("unknown reference '\(path.joined(separator: "."))'", at: expression.location,
                             hint: Suggestion.hint(for: head, in: candidates, kind: "name"))
        }
    }
}

/// How one resource depends on another.
public enum DependencyStrength: Sendable {
    /// The other object must exist first (a bare reference, an after-apply attribute, depends_on).
    case existence
    /// Only a value computable at plan time is used (an ARN): no ordering needed.
    case value
}

public struct ResourceReference: Sendable {
    public var target: String
    public var attribute: String?
    public var strength: DependencyStrength
    public var location: SourceLocation
}

/// Walks expressions through vars and template parameters to the resources they reach.
public struct ReferenceWalker {
    public let stack: LoadedStack
    public let schemas: [String: KindSchema]

    public init(stack: LoadedStack, schemas: [String: KindSchema]) {
        self.stack = stack
        self.schemas = schemas
    }

    public func references(in scoped: ScopedNode, inPipeline: Bool = false) -> [ResourceReference] {
        var out: [ResourceReference] = []
        var visitedVars: Set<String> = []
        collect(scoped.node, scope: scoped.scope, inPipeline: inPipeline, into: &out, visitedVars: &visitedVars, depth: 0)
        return out
    }

    public func references(of resource: ResourceDecl) -> [ResourceReference] {
        var out: [ResourceReference] = []
        let identity = Set(schemas[resource.kind]?.identityProperties ?? [])
        for key in resource.propertyOrder {
            var found = references(in: resource.properties[key]!)
            // An object whose identity contains another object's identity (a schema's `database: ${db.name}`, a
            // table's `schema: ${raw.qualified_name}`) lives inside it: that needs the other to exist first.
            if identity.contains(key) {
                for i in found.indices where found[i].strength == .value && isIdentity(found[i]) { found[i].strength = .existence }
            }
            out += found
        }
        for name in resource.explicitDependencies {
            out.append(ResourceReference(target: name, attribute: nil, strength: .existence, location: resource.location))
        }
        return out
    }

    private func collect(_ node: SourceNode, scope: Scope, inPipeline: Bool, into out: inout [ResourceReference],
                         visitedVars: inout Set<String>, depth: Int)
    {
        guard depth < 64 else { return }
        switch node {
        case .sequence(let items, _):
            for item in items { collect(item, scope: scope, inPipeline: inPipeline, into: &out, visitedVars: &visitedVars, depth: depth) }
        case .mapping(let entries, _):
            for entry in entries { collect(entry.value, scope: scope, inPipeline: inPipeline, into: &out, visitedVars: &visitedVars, depth: depth) }
        case .scalar(let s):
            guard s.text.contains("${"),
                  let interpolation = try? Interpolation.parse(s.text, at: s.location.advanced(byColumns: s.contentColumnOffset))
            else { return }
            for expression in interpolation.expressions {
                guard let target = try? stack.target(of: expression, in: scope, inPipeline: inPipeline) else { continue }
                switch target {
                case .variable(let name, _):
                    let override = stack.environment.vars[name]
                    if let node = override ?? stack.vars[name], visitedVars.insert(name).inserted {
                        collect(node.node, scope: node.scope, inPipeline: inPipeline, into: &out, visitedVars: &visitedVars, depth: depth + 1)
                    }
                case .parameter(let name, _):
                    if let node = scope.params?[name] {
                        collect(node.node, scope: node.scope, inPipeline: inPipeline, into: &out, visitedVars: &visitedVars, depth: depth + 1)
                    }
                case .resource(let name, let attribute, _):
                    out.append(ResourceReference(target: name, attribute: attribute, strength: strength(of: name, attribute: attribute),
                                                 location: expression.location))
                case .environment, .run:
                    break
                }
            }
        }
    }

    /// Whether a reference names the target's identity: an identity property or its reference attribute.
    func isIdentity(_ reference: ResourceReference) -> Bool {
        guard let attribute = reference.attribute, let decl = stack.resource(reference.target), let schema = schemas[decl.kind] else { return false }
        return schema.identityProperties.contains(attribute) || schema.referenceAttribute == attribute
    }

    func strength(of resource: String, attribute: String?) -> DependencyStrength {
        guard let attribute else { return .existence }
        guard let decl = stack.resource(resource), let schema = schemas[decl.kind] else { return .existence }
        if schema.property(attribute) != nil, schema.attribute(attribute) == nil { return .value }
        if case .planTime? = schema.attribute(attribute)?.availability { return .value }
        return .existence
    }
}

/// Static checks that need the whole stack: references, attributes, pools, task order, and cycles.
struct ReferenceChecker {
    let stack: LoadedStack
    let schemas: [String: KindSchema]
    let sink: DiagnosticSink

    func checkAll() {
        for node in stack.vars.values { checkExpressions(node, inPipeline: false) }
        for (_, node) in stack.environment.vars { checkExpressions(node, inPipeline: false) }
        for resource in stack.resources {
            for key in resource.propertyOrder { checkExpressions(resource.properties[key]!, inPipeline: false) }
            for dependency in resource.explicitDependencies where stack.resource(dependency) == nil {
                sink.report("'\(resource.logicalName)' depends on unknown resource '\(dependency)'", at: resource.location,
                            hint: Suggestion.hint(for: dependency, in: stack.resources.map(\.logicalName), kind: "resource"))
            }
        }
        for output in stack.outputs { checkExpressions(output.value, inPipeline: false) }
        for pipeline in stack.pipelines.values.sorted(by: { $0.name < $1.name }) { checkPipeline(pipeline) }
        if sink.isEmpty { checkCycles() }
    }

    func checkExpressions(_ scoped: ScopedNode, inPipeline: Bool) {
        forEachExpression(in: scoped.node) { expression in
            do {
                let target = try stack.target(of: expression, in: scoped.scope, inPipeline: inPipeline)
                if case .resource(let name, let attribute?, _) = target, let decl = stack.resource(name), let schema = schemas[decl.kind],
                   !schema.referenceableNames.contains(attribute)
                {
                    sink.report("\(schema.name) '\(name)' has no attribute '\(attribute)'", at: expression.location,
                                hint: Suggestion.hint(for: attribute, in: schema.referenceableNames, kind: "attribute"))
                }
            } catch let d as Diagnostic {
                sink.report(d)
            } catch {}
        }
    }

    func forEachExpression(in node: SourceNode, _ body: (Expression) -> Void) {
        switch node {
        case .sequence(let items, _): items.forEach { forEachExpression(in: $0, body) }
        case .mapping(let entries, _): entries.forEach { forEachExpression(in: $0.value, body) }
        case .scalar(let s):
            guard s.text.contains("${"),
                  let interpolation = try? Interpolation.parse(s.text, at: s.location.advanced(byColumns: s.contentColumnOffset))
            else { return }
            interpolation.expressions.forEach(body)
        }
    }

    func checkPipeline(_ pipeline: PipelineDecl) {
        let names = Set(pipeline.tasks.map(\.name))
        var graph = Graph<String>()
        for task in pipeline.tasks {
            graph.addNode(task.name)
            checkExpressions(task.body, inPipeline: true)
            if let expect = task.expect { checkExpressions(expect, inPipeline: true) }
            for dependency in task.after {
                if names.contains(dependency) {
                    graph.addEdge(from: task.name, to: dependency)
                } else {
                    sink.report("task '\(task.name)' runs after unknown task '\(dependency)'", at: task.location,
                                hint: Suggestion.hint(for: dependency, in: names, kind: "task"))
                }
            }
            if let pool = task.pool {
                let poolName = task.body.scope.prefix + pool
                if let decl = stack.resource(poolName) ?? stack.resource(pool) {
                    if decl.kind != "pool" {
                        sink.report("task '\(task.name)' uses '\(pool)' as a pool, but it is a \(decl.kind)", at: task.location,
                                    hint: "declare `\(pool): {type: pool, slots: N}` under resources")
                    }
                } else {
                    let pools = stack.resources.filter { $0.kind == "pool" }.map(\.logicalName)
                    sink.report("task '\(task.name)' uses unknown pool '\(pool)'", at: task.location,
                                hint: Suggestion.hint(for: pool, in: pools, kind: "pool"))
                }
            }
        }
        if let cycle = graph.findCycle() {
            let first = pipeline.tasks.first { $0.name == cycle[0] }
            sink.report("tasks in pipeline '\(pipeline.name)' wait for each other in a cycle: \(cycle.joined(separator: " -> "))",
                        at: first?.location ?? pipeline.location, hint: "remove one of the `after:` links")
        }
    }

    func checkCycles() {
        let walker = ReferenceWalker(stack: stack, schemas: schemas)
        var graph = Graph<String>()
        for resource in stack.resources {
            graph.addNode(resource.logicalName)
            for reference in walker.references(of: resource) where reference.strength == .existence && reference.target != resource.logicalName {
                graph.addEdge(from: resource.logicalName, to: reference.target)
            }
        }
        if let cycle = graph.findCycle() {
            let first = stack.resource(cycle[0])!
            sink.report("dependency cycle: \(cycle.joined(separator: " -> "))", at: first.location,
                        hint: "each of these must exist before the next; reference a plan-time attribute (such as an ARN) or remove a depends_on to break it")
        }
    }
}
