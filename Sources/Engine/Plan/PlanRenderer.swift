import Foundation

/// ANSI styling that switches off entirely when output is not a terminal or NO_COLOR is set.
public struct Style: Sendable {
    public var enabled: Bool
    public init(enabled: Bool) { self.enabled = enabled }

    public func green(_ s: String) -> String { wrap(s, "32") }
    public func yellow(_ s: String) -> String { wrap(s, "33") }
    public func red(_ s: String) -> String { wrap(s, "31") }
    public func cyan(_ s: String) -> String { wrap(s, "36") }
    public func bold(_ s: String) -> String { wrap(s, "1") }
    public func dim(_ s: String) -> String { wrap(s, "2") }

    private func wrap(_ s: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    public func action(_ action: Action, _ text: String) -> String {
        switch action {
        case .create: return green(text)
        case .update, .adopt, .importExisting: return yellow(text)
        case .delete: return red(text)
        case .replace: return red(text)
        case .noop: return text
        }
    }
}

/// The human-readable plan: Terraform's symbols, attribute-level diffs, drift, and a summary line.
public struct PlanRenderer {
    public var style: Style
    public init(style: Style) { self.style = style }

    public func render(_ plan: Plan) -> String {
        var out: [String] = []
        if !plan.drift.isEmpty {
            out.append(style.bold("Changed outside infra:"))
            out.append("")
            for drift in plan.drift {
                if drift.deleted {
                    out.append("  \(style.red("-")) \(drift.address) (\(drift.kind)) was deleted outside infra")
                } else {
                    out.append("  \(style.yellow("~")) \(drift.address) (\(drift.kind)) was changed outside infra")
                    for change in drift.changes {
                        out.append("      \(style.yellow("~")) \(change.property): \(text(change.before)) -> \(text(change.after))")
                    }
                }
            }
            out.append("")
        }
        let active = plan.changes.filter { $0.action != .noop }
        if active.isEmpty, plan.forgotten.isEmpty, plan.moved.isEmpty {
            out.append(style.bold("No changes.") + " The live objects match the stack \(plan.stack) in \(plan.environment).")
            return out.joined(separator: "\n")
        }
        out.append("infra will perform these actions on stack \(style.bold(plan.stack)) in environment \(style.bold(plan.environment)):")
        out.append("")
        let legend = Set(active.map(\.action))
        for action in Action.allCases where legend.contains(action) {
            out.append("  " + style.action(action, action.symbol.padding(toLength: 3, withPad: " ", startingAt: 0)) + " " + legendText(action))
        }
        out.append("")
        for change in active {
            out.append(contentsOf: render(change))
            out.append("")
        }
        for move in plan.moved {
            out.append("  \(move.from) has moved to \(move.to): recorded under the new address, no change in the cloud")
        }
        for address in plan.forgotten {
            out.append("  \(address) no longer exists and is no longer declared: it will be removed from state")
        }
        if !plan.moved.isEmpty || !plan.forgotten.isEmpty { out.append("") }
        out.append(style.bold(plan.summary.line))
        if !plan.dataAtRisk.isEmpty {
            out.append("")
            out.append(style.red(style.bold("Data at risk:")) + " applying this plan destroys")
            for risk in plan.dataAtRisk { out.append("  \(style.red("!")) \(risk.description)") }
            out.append("Applying it needs --allow-data-loss, or 'yes' at a prompt that names this data.")
        }
        return out.joined(separator: "\n")
    }

    func legendText(_ action: Action) -> String {
        switch action {
        case .create: return "create"
        case .update: return "update in place"
        case .replace: return "destroy and then create replacement"
        case .delete: return "destroy"
        case .adopt: return "record an object an interrupted run of infra created"
        case .importExisting: return "import an existing object"
        case .noop: return ""
        }
    }

    func render(_ change: ResourceChange) -> [String] {
        var lines: [String] = []
        let symbol = style.action(change.action, change.action.symbol)
        var header = "  \(symbol) \(style.bold(change.address)) (\(change.kind))"
        switch change.action {
        case .replace where change.note != nil: header += " (\(change.note!))"
        case .replace: header += " must be replaced: " + change.replaceReasons.map { "'\($0)' forces replacement" }.joined(separator: ", ")
        case .adopt: header += " (\(change.note ?? "created by an interrupted run of infra"))"
        case .importExisting: header += " will be imported: \(change.identity ?? "") exists; nothing in the cloud changes until apply"
        case .delete where change.note != nil: header += " (\(change.note!))"
        default: break
        }
        lines.append(header)
        if let contents = change.contents, !contents.isEmpty {
            let verb = change.action == .replace ? "replacing" : "deleting"
            lines.append("      \(style.red("!")) \(verb) it drops everything inside it:")
            for object in contents {
                let who = object.address.map { "managed as \($0)" + (change.action == .replace ? ", recreated" : "") } ?? "NOT managed by infra: lost"
                lines.append("          \(object.type) \(object.identity) (\(who)\(object.data.map { "; \($0)" } ?? ""))")
            }
        }
        if change.removedWith != nil, change.changes.isEmpty { return lines }
        let shown = change.action == .delete ? Array((change.before ?? [:]).keys) : change.changes.map(\.property)
        let width = shown.map(\.count).max() ?? 0
        switch change.action {
        case .create:
            for c in change.changes {
                lines.append("      \(style.green("+")) \(c.property.padding(toLength: width, withPad: " ", startingAt: 0)) = \(text(c.after))")
            }
        case .delete:
            for key in (change.before ?? [:]).keys.sorted() {
                lines.append("      \(style.red("-")) \(key.padding(toLength: width, withPad: " ", startingAt: 0)) = \(text(change.before?[key]))")
            }
        default:
            for c in change.changes {
                let name = c.property.padding(toLength: width, withPad: " ", startingAt: 0)
                let note = c.forcesReplacement ? style.red(" # forces replacement") : ""
                lines.append("      \(style.yellow("~")) \(name) = \(text(c.before)) -> \(text(c.after))\(note)")
                if let explanation = c.explanation { lines.append(style.red("        \(explanation)")) }
            }
        }
        if !change.dependsOn.isEmpty, change.action == .create || change.action == .replace {
            lines.append(style.dim("      (after \(change.dependsOn.joined(separator: ", ")))"))
        }
        return lines
    }

    func text(_ value: Value?) -> String {
        guard let value else { return "(none)" }
        return value.displayText
    }
}

/// The machine-readable plan: the `Plan` itself, which is the documented, versioned schema (docs/json-output.md).
public enum PlanJSON {
    public static func encode(_ plan: Plan) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(PlanDocument(plan: plan))
        data.append(contentsOf: "\n".utf8)
        return data
    }

    public static func decode(_ data: Data) throws -> Plan {
        try JSONDecoder().decode(PlanDocument.self, from: data).plan
    }

    /// The plan with its summary alongside, so consumers need not count.
    struct PlanDocument: Codable {
        var plan: Plan
        var summary: Plan.Summary?
        init(plan: Plan) {
            self.plan = plan
            self.summary = plan.summary
        }
    }
}
