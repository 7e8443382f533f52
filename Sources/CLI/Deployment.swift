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

    func plan(mode: PlanMode, refresh: Bool) async throws -> Planned {
        try session.resolveStatically()
        let state = try await session.store.read()
        let resolver = Resolver(stack: session.stack, kinds: session.kinds)
        let live = refresh
            ? try await Refresher.refresh(stack: session.stack, state: state, kinds: session.kinds, resolver: resolver)
            : Refresher.fromState(state)
        let planner = Planner(stack: session.stack, kinds: session.kinds, state: state, live: live,
                              options: PlanOptions(mode: mode, refresh: refresh), resolver: resolver)
        return Planned(plan: try planner.makePlan(), live: live, state: state)
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
        let stop = StopFlag()
        Interruption.install(stop)
        let applier = Applier(stack: session.stack, kinds: session.kinds, plan: planned.plan, live: planned.live, recorder: recorder)
        let started = Date()
        let report = await applier.run(parallelism: parallelism, observer: ProgressPrinter(style: style), stop: stop)
        let outputs = planned.plan.mode == .apply ? await applier.coordinator.outputs() : [:]
        let forgotten = planned.plan.forgotten
        let revision = session.stack.revision
        let succeeded = report.isSuccess
        let mode = planned.plan.mode
        let counts = report.counts
        try await recorder.update { state in
            for address in forgotten { state.resources.removeValue(forKey: address) }
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
