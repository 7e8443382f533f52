import ArgumentParser
import Foundation
import InfraEngine

/// `infra kinds`: every resource kind this build offers, with its properties and attributes — the
/// reference in docs/kinds.md is this command's output.
struct KindsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kinds", abstract: "List the resource kinds, their properties and attributes.")
    @Argument(help: "One kind, e.g. aws.s3.bucket.") var kind: String?
    @Flag(name: .long, help: "Print as Markdown (the docs' format).") var markdown = false

    func run() async throws {
        try await reportingErrors {
            let registry = ProviderSet(layout: ProjectLayout(root: FileManager.default.currentDirectoryPath), stack: "", environment: nil).kinds
            var schemas = registry.kinds.values.map(\.schema).sorted { $0.name < $1.name }
            if let kind {
                schemas = schemas.filter { $0.name == kind }
                guard !schemas.isEmpty else {
                    throw Diagnostic("no resource kind named '\(kind)'", at: nil,
                                     hint: Suggestion.hint(for: kind, in: registry.kinds.keys, kind: "kind"))
                }
            }
            Terminal.out(schemas.map(markdown ? Self.markdown : Self.text).joined(separator: "\n"))
        }
    }

    static func flags(_ p: PropertySchema) -> String {
        var parts: [String] = []
        if p.required { parts.append("required") }
        if let d = p.defaultValue { parts.append("default \(d.displayText)") }
        if p.forcesReplacement { parts.append("forces replacement") }
        if p.createOnly { parts.append("set on create only") }
        if p.sensitive { parts.append("sensitive") }
        return parts.joined(separator: ", ")
    }

    static func text(_ s: KindSchema) -> String {
        var lines = ["\(s.name): \(s.summary)"]
        for p in s.properties {
            let extra = [flags(p), p.summary].filter { !$0.isEmpty }.joined(separator: "; ")
            lines.append("  \(p.name)  \(p.type.displayName)" + (extra.isEmpty ? "" : "  (\(extra))"))
        }
        for a in s.attributes { lines.append("  → \(a.name)  " + Self.availability(a)) }
        lines.append("  ${NAME} means its \(s.referenceAttribute)")
        return lines.joined(separator: "\n")
    }

    static func availability(_ a: AttributeSchema) -> String {
        switch a.availability {
        case .planTime: return "known at plan time" + (a.summary.isEmpty ? "" : ": \(a.summary)")
        case .afterApply: return "known after apply" + (a.summary.isEmpty ? "" : ": \(a.summary)")
        }
    }

    static func markdown(_ s: KindSchema) -> String {
        var lines = ["## `\(s.name)`", "", s.summary.prefix(1).uppercased() + s.summary.dropFirst() + ". `${NAME}` means its `\(s.referenceAttribute)`.", "",
                     "| property | type | notes |", "| --- | --- | --- |"]
        for p in s.properties {
            let notes = [flags(p), p.summary].filter { !$0.isEmpty }.joined(separator: "; ").replacingOccurrences(of: "|", with: "\\|")
            lines.append("| `\(p.name)` | \(p.type.displayName.replacingOccurrences(of: "|", with: "\\|")) | \(notes) |")
        }
        if !s.attributes.isEmpty {
            lines += ["", "Attributes: " + s.attributes.map { "`\($0.name)` (\(availability($0)))" }.joined(separator: "; ") + "."]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
