import ArgumentParser
import Foundation
import InfraEngine

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run the stack's verify pipeline against what is deployed, then its teardown pipeline to clean up its traces.")
    @OptionGroup var deployment: DeploymentOptions
    @Flag(name: .long, help: "Print the run reports as JSON.") var json = false

    func run() async throws {
        let passed = try await reportingErrors {
            let session = try Session.load(deployment)
            return try await session.withLock("verify") { try await Verification(session: session, json: json).run() }
        }
        if !passed { throw ExitCode(1) }
    }
}

/// verify, then teardown (always), recorded in state: what `promote` checks.
struct Verification {
    let session: Session
    let json: Bool

    func run() async throws -> Bool {
        guard let state = try await session.store.read(), !state.resources.isEmpty else {
            throw Diagnostic("nothing is deployed for \(session.address)", at: nil, hint: "run `infra apply` first")
        }
        guard session.stack.pipelines["verify"] != nil else {
            throw Diagnostic("stack \(session.stack.name) has no `verify` pipeline", at: SourceLocation(file: session.stack.file, line: 1, column: 1),
                             hint: "add `pipelines: {verify: [...]}` with tasks that prove the deployment works")
        }
        if state.revision != session.stack.revision {
            Terminal.err("warning: the stack changed since it was last applied to \(session.environment.name); verify checks what is deployed")
        }
        let pipelines = PipelineSession(session: session)
        let verify = try await pipelines.run("verify", state: state, json: json)
        var teardownPassed = true
        if session.stack.pipelines["teardown"] != nil {
            if !json { Terminal.out("") }
            teardownPassed = try await pipelines.run("teardown", state: state, json: json).succeeded
        }
        let passed = verify.succeeded && teardownPassed
        let revision = state.revision
        // What was verified: these inputs, at this state serial (the serial this very write gives the state).
        // promote refuses if either moved since.
        let digest = try Resolver.inputsDigest(of: session.stack, kinds: session.kinds)
        let appliedCurrent = state.revision == session.stack.revision
        try await StateRecorder(document: state, store: session.store).update { document in
            document.events.append(StateEvent(kind: "verify", revision: revision, outcome: passed ? "succeeded" : "failed",
                                              detail: ["run": .string(verify.runID), "tasks": .int(verify.tasks.count),
                                                       "serial": .int(document.serial + 1),
                                                       "inputs_digest": .string(appliedCurrent ? digest : "not-applied")]))
        }
        return passed
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run one of the stack's pipelines, e.g. its load pipeline.")
    @Argument(help: "A stack (file or name in stacks/).") var stack: String
    @Argument(help: "The pipeline to run.") var pipeline: String
    @Option(name: .long, help: "The environment.") var env: String
    @Option(name: .long, help: "The project folder.") var project: String?
    @Flag(name: .long, help: "Print the run report as JSON.") var json = false
    @Flag(name: .long, help: "Print, on stderr, how many API requests and statements each provider made.") var trace = false

    func run() async throws {
        let passed = try await reportingErrors {
            let session = try Session.load(stack: stack, environment: env, project: project)
            defer { if trace { Terminal.err(session.providers.traceSummary()) } }
            let state = try await session.store.read()
            return try await PipelineSession(session: session).run(pipeline, state: state, json: json).succeeded
        }
        if !passed { throw ExitCode(1) }
    }
}

struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Apply to another environment the stack revision that was applied and verified in this one.")
    @Argument(help: "A stack (file or name in stacks/).") var stack: String
    @Option(name: .long, help: "The verified environment, e.g. dev.") var from: String
    @Option(name: .long, help: "The environment to promote to, e.g. prod.") var to: String
    @Option(name: .long, help: "The project folder.") var project: String?
    @Flag(name: .long, help: "Apply without asking for confirmation.") var autoApprove = false
    @Flag(name: .long, help: "Apply even if the plan destroys data in the target environment.") var allowDataLoss = false
    @Flag(name: .long, help: "Allow deletes and replacements in a protected environment.") var force = false
    @Option(name: .long, help: ArgumentHelp(Parallelism.help)) var parallelism = Parallelism.defaultCeiling
    @Flag(name: .long, help: "Print, on stderr, how many API requests and statements each provider made.") var trace = false

    func run() async throws {
        let ok = try await reportingErrors {
            let source = try Session.load(stack: stack, environment: from, project: project)
            var target = try Session.load(stack: stack, environment: to, project: project)
            target.trace = trace
            defer { if trace { Terminal.err("checking \(from): " + source.providers.traceSummary()) } }
            let revision = source.stack.revision
            let sourceState = try await source.store.read()
            guard let sourceState, sourceState.revision == revision else {
                throw Diagnostic("this revision of \(source.stack.name) (\(revision.prefix(12))) is not what is applied to \(from)"
                                 + (sourceState?.revision.map { " (\($0.prefix(12)))" } ?? ""),
                                 at: nil, hint: "apply and verify it in \(from) first: infra apply \(stack) --env \(from) && infra verify \(stack) --env \(from)")
            }
            guard let verified = sourceState.events.last(where: { $0.kind == "verify" }), verified.revision == revision,
                  verified.outcome == "succeeded"
            else {
                throw Diagnostic("revision \(revision.prefix(12)) has not passed verify in \(from)", at: nil,
                                 hint: "run: infra verify \(stack) --env \(from)")
            }
            try await PromotionCheck(source: source, stack: stack).checkUnchanged(since: verified, state: sourceState)
            Terminal.out("Promoting \(source.stack.name) revision \(revision.prefix(12)) from \(from) (verified \(verified.at)) to \(to).\n")
            let steps = Deployment(session: target)
            let applied = try await target.withLock("promote") { () async throws -> Bool in
                let planned = try await steps.plan(mode: .apply, refresh: true)
                Terminal.out(PlanRenderer(style: Terminal.style).render(planned.plan))
                if planned.plan.hasChanges {
                    try steps.guardProtected(planned.plan, force: force)
                    try steps.confirm(planned.plan, question: "Promote to \(target.address)? Only 'yes' will be accepted.",
                                      autoApprove: autoApprove, allowDataLoss: allowDataLoss)
                    Terminal.out("")
                    guard try await steps.execute(planned, parallelism: parallelism) else { return false }
                }
                Terminal.out("\nVerifying \(to):")
                let verified = target.stack.pipelines["verify"] == nil ? true : try await Verification(session: target, json: false).run()
                let document = try await target.store.read() ?? StateDocument(stack: target.stack.name, environment: to)
                try await StateRecorder(document: document, store: target.store).update { state in
                    state.events.append(StateEvent(kind: "promote", revision: revision, outcome: verified ? "succeeded" : "failed",
                                                   detail: ["from": .string(from)]))
                }
                return verified
            }
            if applied { Terminal.out("\nPromoted revision \(revision.prefix(12)) to \(to).") }
            return applied
        }
        if !ok { throw ExitCode(1) }
    }
}

/// Binds a promotion to what was verified: the same inputs, no apply since, nothing changed outside infra.
struct PromotionCheck {
    let source: Session
    let stack: String

    func checkUnchanged(since verified: StateEvent, state: StateDocument) async throws {
        let env = source.environment.name
        let again = "infra apply \(stack) --env \(env) && infra verify \(stack) --env \(env)"
        guard case .int(let serial)? = verified.detail["serial"], case .string(let digest)? = verified.detail["inputs_digest"] else {
            throw Diagnostic("the last verify of \(env) was recorded by an older infra and does not say what it verified", at: nil,
                             hint: "run: infra verify \(stack) --env \(env)")
        }
        if digest != (try Resolver.inputsDigest(of: source.stack, kinds: source.kinds)) {
            throw Diagnostic("the stack or its inputs in \(env) changed since \(env) was verified (\(verified.at))", at: nil,
                             hint: "apply and verify what you mean to promote: \(again)")
        }
        if serial != state.serial {
            throw Diagnostic("\(env) changed since it was verified (\(verified.at)): its state moved from serial \(serial) to \(state.serial)", at: nil,
                             hint: "verify what is deployed now: infra verify \(stack) --env \(env)")
        }
        let planned = try await source.withLock("promote") { try await Deployment(session: source).plan(mode: .apply, refresh: true) }
        if !planned.plan.drift.isEmpty || planned.plan.hasChanges {
            let what = planned.plan.drift.map(\.address) + planned.plan.changes.filter { $0.action != .noop }.map(\.address)
            throw Diagnostic("\(env) no longer matches what was verified: \(Array(Set(what)).sorted().joined(separator: ", ")) changed outside infra", at: nil,
                             hint: "see `infra plan \(stack) --env \(env)`; repair and re-verify: \(again)")
        }
    }
}
