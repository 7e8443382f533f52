import Crypto
import Foundation

/// Finds a project's stacks, templates and environments.
public struct ProjectLayout: Sendable {
    public var root: String

    public init(root: String) { self.root = root }

    public var stacksDirectory: String { root + "/stacks" }
    public var templatesDirectory: String { root + "/templates" }
    public var environmentsDirectory: String { root + "/environments" }
    public var workDirectory: String { root + "/.infra" }

    /// STACK is a path, or a name found in stacks/ (with or without .yaml).
    public func stackFile(for argument: String) throws -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: argument), !argument.hasSuffix("/") { return argument }
        for candidate in ["\(stacksDirectory)/\(argument).yaml", "\(stacksDirectory)/\(argument).yml", "\(stacksDirectory)/\(argument)"]
        where fm.fileExists(atPath: candidate) {
            return candidate
        }
        let known = ((try? fm.contentsOfDirectory(atPath: stacksDirectory)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
        throw Diagnostic("no stack '\(argument)': not a file, and not in \(stacksDirectory)", at: nil,
                         hint: Suggestion.hint(for: argument, in: known, kind: "stack"))
    }

    /// ENV is a name in environments/ or a path to an environment file.
    public func environmentFile(for argument: String) throws -> String {
        let fm = FileManager.default
        if argument.hasSuffix(".yaml") || argument.hasSuffix(".yml") || argument.contains("/") {
            guard fm.fileExists(atPath: argument) else { throw Diagnostic("no environment file \(argument)", at: nil) }
            return argument
        }
        let path = "\(environmentsDirectory)/\(argument).yaml"
        if fm.fileExists(atPath: path) { return path }
        let known = ((try? fm.contentsOfDirectory(atPath: environmentsDirectory)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
        throw Diagnostic("no environment '\(argument)' in \(environmentsDirectory)", at: nil,
                         hint: Suggestion.hint(for: argument, in: known, kind: "environment"))
    }

    /// The project a stack file belongs to: the nearest folder above it that has environments/ or templates/.
    public static func containing(stackFile: String, fallback: String) -> ProjectLayout {
        var url = URL(fileURLWithPath: stackFile).standardizedFileURL.deletingLastPathComponent()
        let fm = FileManager.default
        for _ in 0..<8 {
            if fm.fileExists(atPath: url.path + "/environments") || fm.fileExists(atPath: url.path + "/templates") {
                return ProjectLayout(root: url.path)
            }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { break }
            url = parent
        }
        return ProjectLayout(root: fallback)
    }
}

/// Turns a stack file, its templates and an environment into a checked `LoadedStack`.
/// Every static error is found here, before any network call.
public struct StackLoader {
    public let schemas: [String: KindSchema]
    public let layout: ProjectLayout

    public init(schemas: [KindSchema], layout: ProjectLayout) {
        self.schemas = Dictionary(schemas.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.layout = layout
    }

    static let namePattern = #"^[A-Za-z_][A-Za-z0-9_-]*$"#
    static let stackKeys = ["stack", "description", "vars", "resources", "use", "pipelines", "outputs", "moved", "import"]
    static let templateKeys = ["template", "description", "params", "resources", "use", "pipelines", "moved"]
    static let environmentKeys = ["name", "description", "protected", "aws", "snowflake", "backend", "vars"]
    static let metaKeys = ["type", "depends_on", "lifecycle"]
    static let lifecycleFields = [PropertySchema("prevent_destroy", .bool), PropertySchema("ignore_changes", .list(.string))]

    // MARK: Environment

    public func loadEnvironment(file: String) throws -> EnvironmentConfig {
        let sink = DiagnosticSink()
        let checker = NodeChecker(sink: sink)
        let (root, entries) = try readMapping(file, what: "environment file", empty: "an environment has at least `name:`",
                                              start: "start with `name: dev`")
        checkKeys(entries, allowed: Self.environmentKeys, context: "environment", sink: sink)
        let fileName = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var env = EnvironmentConfig(name: fileName, file: file)
        if let node = root["name"] {
            if let s = node.scalar, SourceNode.literalValue(s).stringValue != nil || s.isPlain {
                env.name = s.text
                if s.text != fileName {
                    sink.report("environment name '\(s.text)' does not match its file name '\(fileName)'", at: s.location,
                                hint: "rename the file to \(s.text).yaml or set `name: \(fileName)`")
                }
            } else {
                sink.report("'name' must be a string", at: node.location)
            }
        }
        if let node = root["description"] { env.description = node.scalar?.text }
        if let node = root["protected"] {
            checker.check(node, against: .bool, name: "protected")
            env.isProtected = node.plainValue.boolValue ?? false
        }
        if let node = root["aws"] {
            checker.check(node, against: .object(EnvironmentConfig.awsSchema), name: "aws")
            env.aws = node.plainValue.mapValue
        }
        if let node = root["snowflake"] {
            checker.check(node, against: .object(EnvironmentConfig.snowflakeSchema), name: "snowflake")
            env.snowflake = node.plainValue.mapValue
        }
        if let node = root["backend"] {
            checker.check(node, against: .object(EnvironmentConfig.backendSchema), name: "backend")
            if let s3 = node["s3"], let bucket = s3["bucket"]?.scalar?.text, let key = s3["key"]?.scalar?.text {
                env.backend = .s3(bucket: bucket, key: key, region: s3["region"]?.scalar?.text)
            } else if let local = node["local"] {
                env.backend = .local(path: local["path"]?.scalar?.text)
            }
            if let entries = node.entries, entries.count > 1 {
                sink.report("a backend is either `local` or `s3`, not both", at: node.location)
            }
        }
        if let node = root["vars"] {
            if case .mapping(let varEntries, _) = node {
                for entry in varEntries {
                    checker.checkExpressions(in: entry.value)
                    env.vars[entry.key.text] = ScopedNode(node: entry.value, scope: .root)
                }
            } else {
                sink.report("'vars' must be a map of names to values", at: node.location)
            }
        }
        try sink.throwIfAny()
        return env
    }

    // MARK: Stack

    public func load(stackFile: String, environment: EnvironmentConfig) throws -> LoadedStack {
        let sink = DiagnosticSink()
        let (root, entries) = try readMapping(stackFile, what: "stack file", empty: "a stack has at least `stack: NAME` and `resources:`",
                                              start: "start with `stack: my-stack`")
        checkKeys(entries, allowed: Self.stackKeys, context: "stack", sink: sink)
        var hasher = SHA256()
        hasher.update(data: FileManager.default.contents(atPath: stackFile) ?? Data())

        var builder = Builder(loader: self, sink: sink)
        let name: String
        if let node = root["stack"], let s = node.scalar, !s.text.isEmpty {
            name = s.text
            if s.text.range(of: Self.namePattern, options: .regularExpression) == nil {
                sink.report("invalid stack name '\(s.text)'", at: s.location, hint: "use letters, digits, '_' and '-'")
            }
        } else {
            name = URL(fileURLWithPath: stackFile).deletingPathExtension().lastPathComponent
            sink.report("missing 'stack:' name", at: root.location, hint: "add `stack: \(name)` at the top")
        }
        if let node = root["vars"] {
            if case .mapping(let varEntries, _) = node {
                for entry in varEntries {
                    builder.checker.checkExpressions(in: entry.value)
                    builder.vars[entry.key.text] = ScopedNode(node: entry.value, scope: .root)
                    builder.varOrder.append(entry.key.text)
                }
            } else {
                sink.report("'vars' must be a map of names to values", at: node.location)
            }
        }
        builder.addDocument(root, scope: .root, templateChain: [])
        builder.addImports(root["import"])
        for file in builder.templateFilesUsed.sorted() {
            hasher.update(data: Data(file.utf8))
            hasher.update(data: FileManager.default.contents(atPath: file) ?? Data())
        }
        if let node = root["outputs"] {
            if case .mapping(let outputEntries, _) = node {
                for entry in outputEntries {
                    var value = entry.value
                    var sensitive = false
                    if case .mapping = entry.value, let v = entry.value["value"] {
                        value = v
                        sensitive = entry.value["sensitive"]?.plainValue.boolValue ?? false
                        builder.checker.checkObject(entry.value.entries!, at: entry.value.location,
                                                    fields: [PropertySchema("value", .any, required: true), PropertySchema("sensitive", .bool)],
                                                    context: "output '\(entry.key.text)'")
                    }
                    builder.checker.checkExpressions(in: value)
                    builder.outputs.append(OutputDecl(name: entry.key.text, value: ScopedNode(node: value, scope: .root), sensitive: sensitive))
                }
            } else {
                sink.report("'outputs' must be a map of names to values", at: node.location)
            }
        }
        // Environments are shared by stacks: a var this stack does not declare is simply not used.
        var stack = LoadedStack(
            name: name, description: root["description"]?.scalar?.text, file: stackFile, vars: builder.vars, varOrder: builder.varOrder,
            resources: builder.resources, pipelines: builder.pipelines, outputs: builder.outputs, moves: builder.moves,
            imports: builder.imports, environment: environment,
            revision: hasher.finalize().map { String(format: "%02x", $0) }.joined(), resourceIndex: [:])
        stack.resourceIndex = Dictionary(stack.resources.enumerated().map { ($1.logicalName, $0) }, uniquingKeysWith: { a, _ in a })
        try sink.throwIfAny()
        builder.checkMovesAndImports(stack)
        try sink.throwIfAny()
        ReferenceChecker(stack: stack, schemas: schemas, sink: sink).checkAll()
        try sink.throwIfAny()
        return stack
    }

    /// Reads a file whose top level must be a mapping.
    func readMapping(_ file: String, what: String, empty: String, start: String) throws -> (SourceNode, [SourceNode.Entry]) {
        guard let root = try SourceReader.read(file: file) else {
            throw Diagnostic("\(what) is empty", at: SourceLocation(file: file, line: 1, column: 1), hint: empty)
        }
        guard case .mapping(let entries, _) = root else {
            throw Diagnostic("a \(what) must be a mapping", at: root.location, hint: start)
        }
        return (root, entries)
    }

    func checkKeys(_ entries: [SourceNode.Entry], allowed: [String], context: String, sink: DiagnosticSink) {
        for entry in entries where !allowed.contains(entry.key.text) {
            sink.report("unknown key '\(entry.key.text)' in \(context)", at: entry.key.location,
                        hint: Suggestion.hint(for: entry.key.text, in: allowed, kind: "key"))
        }
    }

    /// Collects resources, template instances and pipeline tasks, with their scopes.
    struct Builder {
        let loader: StackLoader
        let sink: DiagnosticSink
        var checker: NodeChecker { NodeChecker(sink: sink) }
        var vars: [String: ScopedNode] = [:]
        var varOrder: [String] = []
        var resources: [ResourceDecl] = []
        var names: [String: SourceLocation] = [:]
        var pipelines: [String: PipelineDecl] = [:]
        var outputs: [OutputDecl] = []
        var templateFilesUsed: Set<String> = []
        var moves: [MoveDecl] = []
        var imports: [ImportDecl] = []
        var templateCache: [String: SourceNode] = [:]

        init(loader: StackLoader, sink: DiagnosticSink) {
            self.loader = loader
            self.sink = sink
        }

        mutating func claim(_ name: String, at location: SourceLocation, what: String) -> Bool {
            if let previous = names[name] {
                sink.report("duplicate name '\(name)'", at: location,
                            hint: "resource and template instance names are unique in a stack; '\(name)' is already defined at \(previous)")
                return false
            }
            names[name] = location
            return true
        }

        func validName(_ key: SourceNode.Scalar, what: String) -> Bool {
            if key.text.range(of: StackLoader.namePattern, options: .regularExpression) == nil {
                sink.report("invalid \(what) name '\(key.text)'", at: key.location,
                            hint: "names start with a letter or '_' and contain letters, digits, '_' and '-'")
                return false
            }
            return true
        }

        mutating func addDocument(_ root: SourceNode, scope: Scope, templateChain: [String]) {
            if let node = root["resources"] {
                if case .mapping(let entries, _) = node {
                    for entry in entries { addResource(entry, scope: scope) }
                } else {
                    sink.report("'resources' must be a map of logical names to resources", at: node.location,
                                hint: "write `resources:` then `  name: {type: …}` lines")
                }
            }
            if let node = root["use"] {
                if case .mapping(let entries, _) = node {
                    for entry in entries { addInstance(entry, scope: scope, templateChain: templateChain) }
                } else {
                    sink.report("'use' must be a map of instance names to templates", at: node.location,
                                hint: "write `use:` then `  orders: {template: NAME, with: {…}}`")
                }
            }
            if let node = root["moved"] { addMoves(node, scope: scope) }
            if let node = root["pipelines"] {
                if case .mapping(let entries, _) = node {
                    for entry in entries { addPipeline(entry, scope: scope) }
                } else {
                    sink.report("'pipelines' must be a map of pipeline names to task lists", at: node.location)
                }
            }
        }

        mutating func addResource(_ entry: SourceNode.Entry, scope: Scope) {
            let key = entry.key
            guard validName(key, what: "resource") else { return }
            let logicalName = scope.prefix + key.text
            guard claim(logicalName, at: key.location, what: "resource") else { return }
            guard case .mapping(let fields, _) = entry.value else {
                sink.report("resource '\(logicalName)' must be a mapping with a 'type'", at: entry.value.location,
                            hint: "write `\(key.text): {type: pool, slots: 5}`")
                return
            }
            guard let typeNode = entry.value["type"], let typeScalar = typeNode.scalar else {
                sink.report("resource '\(logicalName)' has no 'type'", at: key.location,
                            hint: "known types: \(loader.schemas.keys.sorted().joined(separator: ", "))")
                return
            }
            guard let schema = loader.schemas[typeScalar.text] else {
                sink.report("unknown resource type '\(typeScalar.text)'", at: typeScalar.location,
                            hint: Suggestion.hint(for: typeScalar.text, in: loader.schemas.keys, kind: "type"))
                return
            }
            var properties: [String: ScopedNode] = [:]
            var order: [String] = []
            var dependencies: [String] = []
            let known = Set(schema.properties.map(\.name))
            for field in fields where !StackLoader.metaKeys.contains(field.key.text) {
                guard let property = schema.property(field.key.text) else {
                    sink.report("unknown property '\(field.key.text)' for \(schema.name) '\(logicalName)'", at: field.key.location,
                                hint: Suggestion.hint(for: field.key.text, in: known, kind: "property"))
                    continue
                }
                checker.check(field.value, against: property.type, name: property.name)
                properties[property.name] = ScopedNode(node: field.value, scope: scope)
                order.append(property.name)
            }
            for property in schema.properties where property.required && properties[property.name] == nil
                && schema.nameDefaultsToLogicalName != property.name
            {
                sink.report("missing required property '\(property.name)' for \(schema.name) '\(logicalName)'", at: key.location,
                            hint: property.summary.isEmpty ? "add `\(property.name): …`" : "add `\(property.name):` (\(property.summary))")
            }
            if let combinationCheck = schema.combinationCheck {
                var written: [String: SourceNode] = [:]
                for (name, scoped) in properties { written[name] = scoped.node }
                combinationCheck(written, key.location).forEach { sink.report($0) }
            }
            if let node = entry.value["depends_on"] {
                if case .sequence(let items, _) = node {
                    for item in items {
                        guard let s = item.scalar else { continue }
                        dependencies.append(s.text)
                    }
                } else {
                    sink.report("'depends_on' must be a list of resource names", at: node.location)
                }
            }
            var decl = ResourceDecl(logicalName: logicalName, kind: schema.name, location: key.location, properties: properties,
                                    propertyOrder: order, explicitDependencies: dependencies.map { scope.prefix + $0 }, scope: scope)
            if let node = entry.value["lifecycle"] { decl.lifecycle = lifecycle(node, schema: schema, resource: logicalName) }
            resources.append(decl)
        }

        func lifecycle(_ node: SourceNode, schema: KindSchema, resource: String) -> Lifecycle {
            guard case .mapping(let fields, let location) = node else {
                let rules = schema.property("lifecycle_rules") != nil ? "; an S3 bucket's expiry rules go under `lifecycle_rules:`" : ""
                sink.report("'lifecycle' must be a mapping", at: node.location, hint: "write `lifecycle: {prevent_destroy: true}`" + rules)
                return Lifecycle()
            }
            checker.checkObject(fields, at: location, fields: StackLoader.lifecycleFields, context: "lifecycle of '\(resource)'")
            var result = Lifecycle(preventDestroy: node["prevent_destroy"]?.plainValue.boolValue ?? false)
            for item in node["ignore_changes"]?.items ?? [] {
                guard let s = item.scalar else { continue }
                if schema.identityProperties.contains(s.text) {
                    sink.report("'\(s.text)' names the object and cannot be ignored", at: s.location,
                                hint: "ignore_changes lists properties infra should leave as they are live, not the object's name")
                } else if schema.property(s.text) == nil {
                    sink.report("unknown property '\(s.text)' in ignore_changes of \(schema.name) '\(resource)'", at: s.location,
                                hint: Suggestion.hint(for: s.text, in: schema.properties.map(\.name), kind: "property"))
                } else {
                    result.ignoreChanges.append(s.text)
                }
            }
            return result
        }

        /// The items of a `moved:` or `import:` list, each checked to be a mapping with exactly `keys` (all required).
        func entryList(_ node: SourceNode, key: String, keys: [String], example: String) -> [(item: SourceNode, location: SourceLocation)] {
            guard case .sequence(let items, _) = node else {
                sink.report("'\(key)' must be a list of {\(keys.joined(separator: ", "))} entries", at: node.location,
                            hint: "write `\(key): [\(example)]`")
                return []
            }
            return items.compactMap { item in
                guard case .mapping(let fields, let location) = item else {
                    sink.report("a '\(key)' entry must be a mapping", at: item.location, hint: "write `- \(example)`")
                    return nil
                }
                checker.checkObject(fields, at: location, fields: keys.map { PropertySchema($0, .string, required: true) }, context: "\(key) entry")
                return (item, location)
            }
        }

        /// `moved:` entries; inside a template both addresses are the instance's own.
        mutating func addMoves(_ node: SourceNode, scope: Scope) {
            for (item, location) in entryList(node, key: "moved", keys: ["from", "to"], example: "{from: old_name, to: new_name}") {
                guard let from = item["from"]?.scalar, let to = item["to"]?.scalar else { continue }
                if from.text == to.text {
                    sink.report("a move from '\(from.text)' to itself", at: location, hint: "remove this entry")
                    continue
                }
                if let earlier = moves.first(where: { $0.from == scope.prefix + from.text }) {
                    sink.report("'\(from.text)' is moved twice", at: from.location, hint: "the first move is at \(earlier.location)")
                    continue
                }
                moves.append(MoveDecl(from: scope.prefix + from.text, to: scope.prefix + to.text, location: location))
            }
        }

        mutating func addImports(_ node: SourceNode?) {
            guard let node else { return }
            for (item, location) in entryList(node, key: "import", keys: ["to", "id"], example: "{to: raw_events, id: DB.RAW.EVENTS}") {
                guard let to = item["to"]?.scalar, let id = item["id"] else { continue }
                checker.checkExpressions(in: id)
                if imports.contains(where: { $0.to == to.text }) {
                    sink.report("'\(to.text)' is imported twice", at: to.location, hint: "keep one import entry per address")
                    continue
                }
                imports.append(ImportDecl(to: to.text, id: ScopedNode(node: id, scope: .root), location: location))
            }
        }

        /// Every address a move or an import names must make sense against the declared resources.
        func checkMovesAndImports(_ stack: LoadedStack) {
            let declared = stack.resources.map(\.logicalName)
            for move in moves {
                if stack.resource(move.to) == nil {
                    sink.report("moved: '\(move.to)' is not a declared resource", at: move.location,
                                hint: Suggestion.hint(for: move.to, in: declared, kind: "resource"))
                }
                if stack.resource(move.from) != nil {
                    sink.report("moved: '\(move.from)' is still declared", at: move.location,
                                hint: "a move renames: remove or rename the resource '\(move.from)'")
                }
            }
            for entry in imports where stack.resource(entry.to) == nil {
                sink.report("import: '\(entry.to)' is not a declared resource", at: entry.location,
                            hint: Suggestion.hint(for: entry.to, in: declared, kind: "resource"))
            }
        }

        mutating func addInstance(_ entry: SourceNode.Entry, scope: Scope, templateChain: [String]) {
            let key = entry.key
            guard validName(key, what: "template instance") else { return }
            let instanceName = scope.prefix + key.text
            guard claim(instanceName, at: key.location, what: "template instance") else { return }
            guard case .mapping(let fields, let location) = entry.value else {
                sink.report("template instance '\(instanceName)' must be a mapping", at: entry.value.location,
                            hint: "write `\(key.text): {template: NAME, with: {…}}`")
                return
            }
            loader.checkKeys(fields, allowed: ["template", "with"], context: "template instance '\(instanceName)'", sink: sink)
            guard let templateScalar = entry.value["template"]?.scalar else {
                sink.report("template instance '\(instanceName)' has no 'template'", at: location, hint: "add `template: NAME`")
                return
            }
            let templateName = templateScalar.text
            if let index = templateChain.firstIndex(of: templateName) {
                let cycle = (templateChain[index...] + [templateName]).joined(separator: " -> ")
                sink.report("template '\(templateName)' uses itself: \(cycle)", at: templateScalar.location,
                            hint: "templates may nest, but not in a cycle")
                return
            }
            guard let template = loadTemplate(templateName, at: templateScalar.location) else { return }
            var arguments: [String: ScopedNode] = [:]
            if let withNode = entry.value["with"] {
                guard case .mapping(let withEntries, _) = withNode else {
                    sink.report("'with' must be a map of parameter names to values", at: withNode.location)
                    return
                }
                for argument in withEntries {
                    checker.checkExpressions(in: argument.value)
                    arguments[argument.key.text] = ScopedNode(node: argument.value, scope: scope)
                }
                checkArguments(withEntries, template: template, templateName: templateName, instance: instanceName, at: location)
            } else {
                checkArguments([], template: template, templateName: templateName, instance: instanceName, at: location)
            }
            // Parameters left out take their declared defaults, evaluated inside the template.
            let instanceScopePlaceholder = Scope(prefix: instanceName + ".", params: [:], parent: scope, templateName: templateName)
            if case .mapping(let paramEntries, _)? = template["params"] {
                for param in paramEntries where arguments[param.key.text] == nil {
                    if let defaultNode = param.value["default"] ?? (param.value.scalar != nil ? param.value : nil) {
                        arguments[param.key.text] = ScopedNode(node: defaultNode, scope: instanceScopePlaceholder)
                    }
                }
            }
            let instanceScope = Scope(prefix: instanceName + ".", params: arguments, parent: scope, templateName: templateName)
            addDocument(template, scope: instanceScope, templateChain: templateChain + [templateName])
        }

        func checkArguments(_ given: [SourceNode.Entry], template: SourceNode, templateName: String, instance: String,
                            at location: SourceLocation)
        {
            let params = template["params"]?.entries ?? []
            let names = params.map(\.key.text)
            for argument in given where !names.contains(argument.key.text) {
                sink.report("template '\(templateName)' has no parameter '\(argument.key.text)'", at: argument.key.location,
                            hint: Suggestion.hint(for: argument.key.text, in: names, kind: "parameter"))
            }
            for param in params {
                let declaration = param.value
                let isShorthand = declaration.scalar != nil
                let required = isShorthand ? false : (declaration["required"]?.plainValue.boolValue ?? (declaration["default"] == nil))
                let given = given.first { $0.key.text == param.key.text }
                if given == nil, required {
                    sink.report("template instance '\(instance)' is missing parameter '\(param.key.text)'", at: location,
                                hint: "add it under `with:`")
                }
                if let given, !isShorthand, let typeName = declaration["type"]?.scalar?.text, let type = StackLoader.paramType(typeName) {
                    checker.check(given.value, against: type, name: param.key.text)
                }
                if let given, !isShorthand, case .sequence(let allowed, _)? = declaration["allowed"], let s = given.value.scalar,
                   !s.text.contains("${"), !allowed.contains(where: { $0.scalar?.text == s.text })
                {
                    let values = allowed.compactMap { $0.scalar?.text }
                    sink.report("'\(s.text)' is not an allowed value for parameter '\(param.key.text)' of template '\(templateName)'",
                                at: s.location, hint: "allowed: \(values.joined(separator: ", "))")
                }
            }
        }

        mutating func loadTemplate(_ name: String, at location: SourceLocation) -> SourceNode? {
            if let cached = templateCache[name] { return cached }
            let file = "\(loader.layout.templatesDirectory)/\(name).yaml"
            guard FileManager.default.fileExists(atPath: file) else {
                let known = ((try? FileManager.default.contentsOfDirectory(atPath: loader.layout.templatesDirectory)) ?? [])
                    .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
                sink.report("unknown template '\(name)'", at: location,
                            hint: Suggestion.hint(for: name, in: known, kind: "template") + " (templates are read from the project's templates/ folder)")
                return nil
            }
            do {
                guard let root = try SourceReader.read(file: file), case .mapping(let entries, _) = root else {
                    sink.report("template '\(name)' is empty or not a mapping", at: SourceLocation(file: file, line: 1, column: 1))
                    return nil
                }
                loader.checkKeys(entries, allowed: StackLoader.templateKeys, context: "template", sink: sink)
                if let declared = root["template"]?.scalar, declared.text != name {
                    sink.report("template file \(name).yaml declares the name '\(declared.text)'", at: declared.location,
                                hint: "a template's name matches its file name")
                }
                if let params = root["params"] {
                    if case .mapping(let paramEntries, _) = params {
                        for param in paramEntries {
                            guard case .mapping(let fields, let l) = param.value else { continue }
                            checker.checkObject(fields, at: l, fields: StackLoader.paramFields, context: "parameter '\(param.key.text)'")
                        }
                    } else {
                        sink.report("'params' must be a map of parameter names", at: params.location)
                    }
                }
                templateCache[name] = root
                templateFilesUsed.insert(file)
                return root
            } catch let d as Diagnostic {
                sink.report(d)
            } catch let list as DiagnosticList {
                sink.report(list)
            } catch {
                sink.report("cannot read template '\(name)': \(error)", at: location)
            }
            return nil
        }

        mutating func addPipeline(_ entry: SourceNode.Entry, scope: Scope) {
            let pipelineName = entry.key.text
            guard validName(entry.key, what: "pipeline") else { return }
            var taskNodes: [SourceNode] = []
            var failFast = true
            var schedule: PipelineSchedule?
            var catchup: (value: Bool, location: SourceLocation)?
            switch entry.value {
            case .sequence(let items, _):
                taskNodes = items
            case .mapping(let fields, let location):
                loader.checkKeys(fields, allowed: ["fail_fast", "schedule", "catchup", "tasks"], context: "pipeline '\(pipelineName)'", sink: sink)
                if let f = entry.value["fail_fast"] { checker.check(f, against: .bool, name: "fail_fast"); failFast = f.plainValue.boolValue ?? true }
                if let s = entry.value["schedule"] {
                    checker.check(s, against: .string, name: "schedule")
                    if let text = s.scalar?.text {
                        schedule = PipelineSchedule(text, at: s.location)
                        if schedule == nil {
                            sink.report("schedule '\(text)' is neither a cron expression nor a preset", at: s.location,
                                        hint: "write five cron fields (minute hour day month weekday), e.g. \"0 * * * *\", or one of "
                                            + PipelineSchedule.presets.joined(separator: ", "))
                        }
                    }
                }
                if let c = entry.value["catchup"] {
                    checker.check(c, against: .bool, name: "catchup")
                    if let value = c.plainValue.boolValue { catchup = (value, c.location) }
                }
                if let items = entry.value["tasks"]?.items { taskNodes = items } else {
                    sink.report("pipeline '\(pipelineName)' has no 'tasks' list", at: location)
                }
            default:
                sink.report("pipeline '\(pipelineName)' must be a list of tasks", at: entry.value.location,
                            hint: "write `- name: …` items, each with one of: \(TaskKind.allCases.map(\.rawValue).joined(separator: ", "))")
                return
            }
            var pipeline = pipelines[pipelineName] ?? PipelineDecl(name: pipelineName, location: entry.key.location, failFast: failFast, tasks: [])
            if scope.isRoot {
                pipeline.failFast = failFast
                pipeline.schedule = schedule
                pipeline.catchup = catchup
            }
            for node in taskNodes {
                if let task = makeTask(node, scope: scope, pipeline: pipelineName) {
                    if let clash = pipeline.tasks.first(where: { $0.name == task.name }) {
                        sink.report("duplicate task name '\(task.name)' in pipeline '\(pipelineName)'", at: task.location,
                                    hint: "task names are unique in a pipeline; '\(task.name)' is already defined at \(clash.location)")
                        continue
                    }
                    pipeline.tasks.append(task)
                }
            }
            pipelines[pipelineName] = pipeline
        }

        func makeTask(_ node: SourceNode, scope: Scope, pipeline: String) -> TaskDecl? {
            guard case .mapping(let fields, let location) = node else {
                sink.report("a task must be a mapping with a 'name'", at: node.location,
                            hint: "write `- name: check` followed by one of: \(TaskKind.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            checker.checkObject(fields, at: location, fields: PipelineSchema.taskKeys, context: "task")
            let kinds = TaskKind.allCases.filter { node[$0.rawValue] != nil }
            let name = node["name"]?.scalar?.text ?? "?"
            guard kinds.count == 1, let kind = kinds.first else {
                sink.report(kinds.isEmpty ? "task '\(name)' says nothing to do" : "task '\(name)' has more than one action: "
                                + kinds.map(\.rawValue).joined(separator: ", "),
                            at: location, hint: "give exactly one of: \(TaskKind.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            if kind == .command, let body = node["command"], case .mapping(let f, let l) = body {
                checker.checkObject(f, at: l, fields: PipelineSchema.commandFields, context: "command")
            }
            if let body = node[kind.rawValue], case .mapping = body, [.s3_wait, .s3_delete].contains(kind),
               (body["key"] == nil) == (body["prefix"] == nil)
            {
                sink.report("task '\(name)' needs exactly one of 'key' or 'prefix'", at: body.location)
            }
            for key in ["role", "as"] {
                if let identity = node[key], ![.sql, .copy, .assert].contains(kind) {
                    sink.report("'\(key)' applies to sql, copy and assert tasks, not \(kind.rawValue)", at: identity.location,
                                hint: "a Snowflake \(key == "as" ? "user" : "role") changes who runs statements; remove it here")
                }
            }
            if let expect = node["expect"], ![.sql, .copy, .command].contains(kind) {
                sink.report("'expect' applies to sql, copy and command tasks, not \(kind.rawValue)", at: expect.location)
            }
            let after = (node["after"]?.items ?? []).compactMap { $0.scalar?.text }.map { scope.prefix + $0 }
            return TaskDecl(
                name: scope.prefix + name, location: node["name"]?.location ?? location, kind: kind,
                body: ScopedNode(node: node[kind.rawValue]!, scope: scope), after: after,
                pool: node["pool"]?.scalar?.text,
                retries: node["retries"]?.plainValue.intValue ?? 0,
                retryDelaySeconds: numeric(node["retry_delay"]) ?? 1,
                timeoutSeconds: numeric(node["timeout"]),
                expect: node["expect"].map { ScopedNode(node: $0, scope: scope) },
                role: node["role"].map { ScopedNode(node: $0, scope: scope) },
                runAs: node["as"].map { ScopedNode(node: $0, scope: scope) })
        }

        func numeric(_ node: SourceNode?) -> Double? {
            switch node?.plainValue {
            case .int(let i)?: return Double(i)
            case .double(let d)?: return d
            default: return nil
            }
        }
    }

    static let paramFields: [PropertySchema] = [
        PropertySchema("type", .enumeration(["string", "int", "bool", "number", "list", "map", "any"], caseInsensitive: false)),
        PropertySchema("default", .any), PropertySchema("required", .bool), PropertySchema("description", .string),
        PropertySchema("allowed", .list(.any)),
    ]

    static func paramType(_ name: String) -> PropertyType? {
        switch name {
        case "string": return .string
        case "int": return .int
        case "bool": return .bool
        case "number": return .number
        case "list": return .list(.any)
        case "map": return .map(.any)
        case "any": return .any
        default: return nil
        }
    }
}
