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
        static let configuration = CommandConfiguration(abstract: "Remove a state lock left by a run that died.")
        @OptionGroup var deployment: DeploymentOptions

        func run() async throws {
            try await reportingErrors {
                let session = try Session.load(deployment)
                guard let holder = try await session.store.currentLock() else {
                    Terminal.out("The state of \(session.address) is not locked.")
                    return
                }
                try await session.store.forceUnlock()
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

    func run() async throws {
        try await reportingErrors {
            let session = try Session.load(deployment)
            let outputs = try await session.store.read()?.outputs ?? [:]
            if let name {
                guard let value = outputs[name] else {
                    throw Diagnostic("no output '\(name)' for \(session.address)", at: nil,
                                     hint: Suggestion.hint(for: name, in: outputs.keys, kind: "output"))
                }
                Terminal.out(json ? value.canonicalJSON : value.interpolationText)
            } else if json {
                Terminal.out(Value.map(outputs).canonicalJSON)
            } else {
                for key in outputs.keys.sorted() { Terminal.out("\(key) = \(outputs[key]!.displayText)") }
            }
        }
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

