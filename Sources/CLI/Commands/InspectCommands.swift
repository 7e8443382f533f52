import ArgumentParser
import Foundation
import InfraEngine

struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state", abstract: "Inspect state and manage its lock.",
        subcommands: [List.self, Show.self, Move.self, Remove.self, Unlock.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the resources recorded in state.")
        @OptionGroup var deployment: DeploymentOptions
        @Flag(name: .long, help: "Print as JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let session = try Session.load(deployment)
                let state = try await session.store.read()
                let records = (state?.resources ?? [:]).sorted { $0.key < $1.key }
                if json {
                    let items: [Value] = records.map { ["address": .string($0.key), "kind": .string($0.value.kind), "identity": .string($0.value.identity)] }
                    Terminal.out(Value.list(items).canonicalJSON)
                } else {
                    for (address, record) in records { Terminal.out("\(address)\t\(record.kind)\t\(record.identity)") }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one recorded resource.")
        @OptionGroup var deployment: DeploymentOptions
        @Argument(help: "The resource's logical name.") var address: String

        func run() async throws {
            try await reportingErrors {
                let session = try Session.load(deployment)
                let state = try await session.store.read()
                guard let record = state?.resources[address] else {
                    throw Diagnostic("no resource '\(address)' in the state of \(session.address)", at: nil,
                                     hint: Suggestion.hint(for: address, in: state?.resources.keys.map { $0 } ?? [], kind: "resource"))
                }
                Terminal.out("# \(address) (\(record.kind))")
                Terminal.out("identity = \(Value.string(record.identity).displayText)")
                for key in record.properties.keys.sorted() { Terminal.out("\(key) = \(record.properties[key]!.displayText)") }
                for key in record.attributes.keys.sorted() { Terminal.out("\(key) = \(record.attributes[key]!.displayText)  # attribute") }
                if !record.dependsOn.isEmpty { Terminal.out("depends_on = \(record.dependsOn.joined(separator: ", "))") }
            }
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a state lock left by a run that died.",
            discussion: "Give the lock id the refused run printed. A lock held by a process still running on this host is kept unless --force. A lock file that cannot be read (empty or not JSON) is removed without an id.")
        @OptionGroup var deployment: DeploymentOptions
        @Argument(help: "The id of the lock to remove, as a refused run shows it.") var lockID: String?
        @Flag(name: .long, help: "Remove the lock even if its holder is still running on this host.") var force = false

        func run() async throws {
            try await reportingErrors {
                let session = try Session.load(deployment)
                let holder: LockInfo?
                do {
                    holder = try await session.store.currentLock()
                } catch let unreadable as UnreadableLockError {
                    try await session.store.forceUnlock()
                    Terminal.out("Removed the lock \(unreadable.location): it was empty or not JSON, left by a run that crashed while taking it.")
                    return
                }
                guard let holder else {
                    Terminal.out("The state of \(session.address) is not locked.")
                    return
                }
                guard let lockID else {
                    throw Diagnostic("say which lock to remove: the state of \(session.address) is locked by \(holder)", at: nil,
                                     hint: "infra state unlock \(deployment.stack) --env \(deployment.env) \(holder.id)")
                }
                guard lockID == holder.id else {
                    throw Diagnostic("the state of \(session.address) is locked by \(holder), not by lock \(lockID)", at: nil,
                                     hint: "the lock may have changed hands; check that its holder is gone, then give its id")
                }
                if holder.host == ProcessInfo.processInfo.hostName, !holder.holderIsGone, !force {
                    throw Diagnostic("the lock's holder is still running on this host: \(holder)", at: nil,
                                     hint: "wait for it to finish or stop it; --force removes the lock anyway, and two runs may then change the same objects")
                }
                try await session.store.unlock(id: lockID)
                Terminal.out("Removed the lock held by \(holder).")
            }
        }
    }
}

struct OutputCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "output", abstract: "Show a deployment's outputs as last applied.")
    @OptionGroup var deployment: DeploymentOptions
    @Argument(help: "One output's name.") var name: String?
    @Flag(name: .long, help: "Print as JSON.") var json = false
    @Flag(name: .long, help: "With NAME: print the bare value; a sensitive one is read from the live objects now, on purpose.") var raw = false

    func run() async throws {
        try await reportingErrors {
            let session = try Session.load(deployment)
            let outputs = try await session.store.read()?.outputs ?? [:]
            let sensitive = Set(session.stack.outputs.filter(\.sensitive).map(\.name))
            // Terraform's shape: each output with its type and whether it is sensitive. A sensitive value is kept
            // only as a digest in state, so it is never shown, here or anywhere.
            func described(_ key: String) -> Value {
                let value = outputs[key]!
                let hidden = sensitive.contains(key)
                return .map(["value": hidden ? .null : value, "type": .string(hidden ? "string" : value.typeName), "sensitive": .bool(hidden)])
            }
            if let name {
                guard outputs[name] != nil else {
                    throw Diagnostic("no output '\(name)' for \(session.address)", at: nil,
                                     hint: Suggestion.hint(for: name, in: outputs.keys, kind: "output"))
                }
                if sensitive.contains(name), raw {
                    defer { if session.trace { Terminal.err(session.providers.traceSummary()) } }
                    Terminal.out(try await Self.liveValue(of: name, session: session).interpolationText)
                    return
                }
                if sensitive.contains(name), !json {
                    throw Diagnostic("output '\(name)' is sensitive: state keeps only its digest", at: nil,
                                     hint: "to read it on purpose: infra output \(session.stack.name) \(name) --env \(session.environment.name) --raw")
                }
                Terminal.out(json ? described(name).canonicalJSON : outputs[name]!.interpolationText)
            } else if json {
                Terminal.out(Value.map(Dictionary(uniqueKeysWithValues: outputs.keys.map { ($0, described($0)) })).canonicalJSON)
            } else {
                for key in outputs.keys.sorted() { Terminal.out("\(key) = \(sensitive.contains(key) ? "(sensitive)" : outputs[key]!.displayText)") }
            }
        }
    }
}

extension OutputCommand {
    /// A sensitive output computed from what is live now: state never held it in clear, so it is read again.
    static func liveValue(of name: String, session: Session) async throws -> Value {
        guard let output = session.stack.outputs.first(where: { $0.name == name }) else {
            throw Diagnostic("stack \(session.stack.name) no longer declares output '\(name)'", at: nil)
        }
        let state = try await session.store.read()
        let live = try await Refresher.refresh(stack: session.stack, state: state, kinds: session.kinds,
                                               resolver: Resolver(stack: session.stack, kinds: session.kinds))
        let resolver = Resolver(stack: session.stack, kinds: session.kinds)
        resolver.knownAttribute = { address, attribute in
            guard let record = state?.resources[address], let object = live.object(kind: record.kind, identity: record.identity) else { return nil }
            return object.attributes[attribute] ?? object.properties[attribute]
        }
        let value = try resolver.evaluate(output.value)
        guard value.isKnown else {
            throw Diagnostic("output '\(name)' depends on objects that do not exist now", at: nil, hint: "run `infra apply` first")
        }
        return value
    }
}

struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph", abstract: "Print the resource graph as Graphviz DOT (solid: must exist first; dashed: uses a plan-time value).")
    @OptionGroup var deployment: DeploymentOptions

    func run() async throws {
        try await reportingErrors {
            let session = try Session.load(deployment)
            let walker = ReferenceWalker(stack: session.stack, schemas: session.kinds.kinds.mapValues(\.schema))
            var lines = ["digraph \"\(session.stack.name)\" {", "  rankdir = \"RL\";", "  node [shape = box];"]
            for resource in session.stack.resources {
                lines.append("  \"\(resource.logicalName)\" [label = \"\(resource.logicalName)\\n\(resource.kind)\"];")
            }
            for resource in session.stack.resources {
                var seen: Set<String> = []
                for reference in walker.references(of: resource) where reference.target != resource.logicalName {
                    let key = "\(reference.target)|\(reference.strength == .existence)"
                    guard seen.insert(key).inserted else { continue }
                    let style = reference.strength == .existence ? "" : " [style = dashed]"
                    lines.append("  \"\(resource.logicalName)\" -> \"\(reference.target)\"\(style);")
                }
            }
            lines.append("}")
            Terminal.out(lines.joined(separator: "\n"))
        }
    }
}


/// `infra show PLANFILE`: a saved plan, as `infra plan` printed it or as JSON, without touching anything.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a plan file saved by `infra plan --out`.")
    @Argument(help: "The plan file.") var planFile: String
    @Flag(name: .long, help: "Print the plan as JSON (schema: docs/json-output.md).") var json = false

    func run() async throws {
        try await reportingErrors {
            guard let data = FileManager.default.contents(atPath: planFile) else {
                throw Diagnostic("no plan file \(planFile)", at: nil, hint: "save one with: infra plan STACK --env ENV --out \(planFile)")
            }
            let plan: Plan
            do { plan = try PlanJSON.decode(data) } catch {
                throw Diagnostic("\(planFile) is not a plan file saved by `infra plan --out`", at: nil, hint: "save one with: infra plan STACK --env ENV --out FILE")
            }
            if json { Terminal.write(try PlanJSON.encode(plan)) } else { Terminal.out(PlanRenderer(style: Terminal.style).render(plan)) }
        }
    }
}
