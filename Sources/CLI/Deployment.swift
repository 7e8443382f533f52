import ArgumentParser
import Foundation
import InfraEngine

/// The steps plan, apply and destroy share: refresh, diff, guard, execute, record.
struct Deployment {
    let session: Session

    struct Planned {
        var plan: Plan
        var live: LiveSnapshot
        var state: StateDocument?
    }

    /// `state` in the result is the recorded state with the stack's `moved:` entries applied: what apply starts from.
    func plan(mode: PlanMode, refresh: Bool) async throws -> Planned {
        try session.resolveStatically()
        let recorded = try await session.store.read()
        let (state, moves) = try recorded.map { try $0.applying(session.stack.moves) } ?? (nil, [])
        let resolver = Resolver(stack: session.stack, kinds: session.kinds)
        if refresh, Terminal.isInteractiveOutput {
            let count = Set(session.stack.resources.map(\.logicalName)).union(state?.resources.keys ?? [:].keys).count
            Terminal.out("Refreshing \(count) resource\(count == 1 ? "" : "s") in \(session.address)...")
        }
        let live = refresh
            ? try await Refresher.refresh(stack: session.stack, state: state, kinds: session.kinds, resolver: resolver)
            : Refresher.fromState(state)
        let planner = Planner(stack: session.stack, kinds: session.kinds, state: state, live: live,
                              options: PlanOptions(mode: mode, refresh: refresh), resolver: resolver,
                              moved: moves.map { MovedAddress(from: $0.from, to: $0.to) })
        var plan: Plan
        do {
            plan = try planner.makePlan()
        } catch let conflicts as OwnershipConflicts {
            throw DiagnosticList(conflicts.diagnostics(owners: await owners(of: conflicts)))
        }
        if refresh { try await DataRiskAssessor.assess(&plan, kinds: session.kinds, state: state) }
        return Planned(plan: plan, live: live, state: state)
    }

    /// Who manages the objects a plan refused to take over: another deployment of this project whose local
    /// state records it, or the owner tags infra wrote on it.
    func owners(of conflicts: OwnershipConflicts) async -> [String: String] {
        var owners: [String: String] = [:]
        let wanted = Set(conflicts.conflicts.map { OwnershipConflicts.key(kind: $0.kind, identity: $0.identity) })
        let root = session.layout.workDirectory + "/state"
        let fm = FileManager.default
        for stack in ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted() {
            for file in ((try? fm.contentsOfDirectory(atPath: "\(root)/\(stack)")) ?? []).sorted() where file.hasSuffix(".json") {
                guard let data = fm.contents(atPath: "\(root)/\(stack)/\(file)"),
                      let document = try? StateCodec.decode(data, source: file),
                      document.stack != session.stack.name || document.environment != session.environment.name
                else { continue }
                for (address, record) in document.resources {
                    let key = OwnershipConflicts.key(kind: record.kind, identity: record.identity)
                    if wanted.contains(key) { owners[key] = "stack \(document.stack) in \(document.environment) (as '\(address)')" }
                }
            }
        }
        var byKind: [String: [String]] = [:]
        for conflict in conflicts.conflicts where owners[OwnershipConflicts.key(kind: conflict.kind, identity: conflict.identity)] == nil {
            byKind[conflict.kind, default: []].append(conflict.identity)
        }
        for (kindName, identities) in byKind {
            guard let kind = session.kinds[kindName] as? any OwnerTaggingKind, let tagged = try? await kind.owners(of: identities) else { continue }
            for (identity, owner) in tagged { owners[OwnershipConflicts.key(kind: kindName, identity: identity)] = "\(owner) (its owner tags)" }
        }
        return owners
    }

    /// The confirmation every command that applies a plan asks. A plan that destroys data needs --allow-data-loss,
    /// or an answer to a question that names the data; --auto-approve alone never destroys data.
    func confirm(_ plan: Plan, question: String, autoApprove: Bool, allowDataLoss: Bool) throws {
        if !plan.dataAtRisk.isEmpty, !allowDataLoss {
            let named = plan.dataAtRisk.map { risk in
                "\(risk.identity) (" + ([risk.data?.description, risk.address == nil ? "not managed by infra" : nil].compactMap { $0 }).joined(separator: ", ") + ")"
            }.joined(separator: ", ")
            if autoApprove || !Terminal.isInteractive {
                throw Diagnostic("this plan destroys data: \(named); refusing without --allow-data-loss", at: nil,
                                 hint: "review the plan above; if losing this data is intended, run the command again with --allow-data-loss")
            }
            guard Terminal.confirm("\nThis plan DESTROYS DATA: \(named).\n\(question)") else {
                throw Diagnostic("cancelled: not confirmed; nothing was changed", at: nil,
                                 hint: "answer 'yes' at the prompt, or pass --allow-data-loss when running without a terminal")
            }
            return
        }
        guard !autoApprove else { return }
        guard Terminal.confirm("\n" + question) else {
            throw Diagnostic("cancelled: not confirmed; nothing was changed", at: nil,
                             hint: "answer 'yes' at the prompt, or pass --auto-approve when running without a terminal")
        }
    }

    /// Protected environments refuse to delete or replace anything without --force.
    func guardProtected(_ plan: Plan, force: Bool) throws {
        guard session.environment.isProtected, !force else { return }
        let destructive = plan.changes.filter { $0.action == .delete || $0.action == .replace }
        guard !destructive.isEmpty else { return }
        throw Diagnostic(
            "environment \(session.environment.name) is protected: refusing to \(plan.mode == .destroy ? "destroy" : "delete or replace") "
                + destructive.map(\.address).joined(separator: ", "),
            at: session.environment.file.map { SourceLocation(file: $0, line: 1, column: 1) },
            hint: "pass --force if you really mean it")
    }

    /// Executes the plan and records the outcome in state. Returns whether everything succeeded.
    func execute(_ planned: Planned, parallelism: Int) async throws -> Bool {
        let style = Terminal.style
        var document = planned.state ?? StateDocument(stack: session.stack.name, environment: session.environment.name)
        if planned.state == nil { try await session.store.write(document); document.serial = 0 }
        let recorder = StateRecorder(document: document, store: session.store)
        if !planned.plan.moved.isEmpty {
            // The moved addresses are recorded before any other change, in one write: nothing in the cloud moves.
            try await recorder.update { _ in }
            for move in planned.plan.moved { Terminal.out("\(move.from) -> \(move.to): moved in state") }
        }
        let stop = StopFlag()
        Interruption.install(stop)
        let applier = Applier(stack: session.stack, kinds: session.kinds, plan: planned.plan, live: planned.live, recorder: recorder,
                              earlierIntents: planned.state?.pending ?? [:])
        let started = Date()
        let mode = planned.plan.mode
        let limiter = AdaptiveConcurrency(ceiling: parallelism)
        let report = await applier.run(limiter: limiter, observer: ProgressPrinter(style: style), stop: stop)
        if session.trace {
            let load = limiter.summary
            Terminal.err("trace: \(mode == .apply ? "apply" : "destroy"): at most \(load.peakInFlight) calls in flight (ceiling \(limiter.ceiling)); "
                         + (load.cuts == 0 ? "no push-back" : "limit cut \(load.cuts) time\(load.cuts == 1 ? "" : "s") on push-back, lowest \(load.lowestLimit)"))
        }
        let outputs = planned.plan.mode == .apply ? await applier.coordinator.outputs() : [:]
        let forgotten = planned.plan.forgotten
        let revision = session.stack.revision
        let succeeded = report.isSuccess
        let counts = report.counts
        try await recorder.update { state in
            for address in forgotten { state.resources.removeValue(forKey: address) }
            if mode == .destroy, succeeded { state.pending = [:] }
            if succeeded { state.revision = mode == .apply ? revision : nil }
            state.outputs = mode == .apply ? outputs : [:]
            state.events.append(StateEvent(kind: mode == .apply ? "apply" : "destroy", revision: revision,
                                           outcome: succeeded ? "succeeded" : "failed",
                                           detail: ["added": .int(counts.added), "changed": .int(counts.changed), "destroyed": .int(counts.destroyed)]))
            if state.events.count > 100 { state.events.removeFirst(state.events.count - 100) }
        }
        let elapsed = String(format: "%.1fs", Date().timeIntervalSince(started))
        Terminal.out("")
        if succeeded {
            let verb = mode == .apply ? "Apply" : "Destroy"
            Terminal.out(style.green(style.bold("\(verb) complete!")) + " Resources: \(counts.added) added, \(counts.changed) changed, \(counts.destroyed) destroyed (\(elapsed)).")
            if mode == .apply, !outputs.isEmpty {
                Terminal.out("\nOutputs:")
                for key in outputs.keys.sorted() { Terminal.out("  \(key) = \(outputs[key]!.displayText)") }
            }
        } else {
            Terminal.out(style.red(style.bold("\(mode == .apply ? "Apply" : "Destroy") failed.")) + " \(report.succeeded.count) succeeded, \(report.failed.count) failed, \(report.skipped.count) not attempted (\(elapsed)).")
            for failure in report.failed { Terminal.out("  \(style.red("✗")) \(failure.change.address): \(failure.error)") }
            for skip in report.skipped {
                let reason = skip.because == "interrupted" ? "interrupted" : "because \(skip.because) failed"
                Terminal.out("  - \(skip.change.address): not attempted, \(reason)")
            }
            Terminal.out("State records exactly what exists; run the same command again to continue.")
        }
        return succeeded
    }
}

/// `--parallelism`: the most provider calls apply keeps in flight. Apply starts at this ceiling and halves its
/// limit when a service pushes back (HTTP 429, overload, retries), growing back by one per round that passes.
enum Parallelism {
    static let defaultCeiling = 64
    static let help = "The most calls in flight at once (default \(defaultCeiling)); apply backs off below it when a service pushes back."
}
