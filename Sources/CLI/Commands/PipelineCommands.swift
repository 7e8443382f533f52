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
        try await StateRecorder(document: state, store: session.store).update { document in
            document.events.append(StateEvent(kind: "verify", revision: revision, outcome: passed ? "succeeded" : "failed",
                                              detail: ["run": .string(verify.runID), "tasks": .int(verify.tasks.count)]))
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

    func run() async throws {
        let passed = try await reportingErrors {
            let session = try Session.load(stack: stack, environment: env, project: project)
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
    @Flag(name: .long, help: "Allow deletes and replacements in a protected environment.") var force = false
    @Option(name: .long, help: "How many resources to change at once.") var parallelism = 10

    func run() async throws {
        let ok = try await reportingErrors {
            let source = try Session.load(stack: stack, environment: from, project: project)
            let target = try Session.load(stack: stack, environment: to, project: project)
            let revision = source.stack.revision
            let sourceState = try await source.store.read()
            guard let sourceState, sourceState.revision == revision else {
                throw Diagnostic("this revision of \(source.stack.name) (\(revision.prefix(12))) is not what is applied to \(from)"
                                 + (sourceState?.revision.map { " (\($0.prefix(12)))" } ?? ""),
                                 at: nil, hint: "apply and verify it in \(from) first: infra apply \(stack) --env \(from) && infra verify \(stack) --env \(from)")
            }
            guard let verified = sourceState.events.last(where: { $0.kind == "verify" && $0.revision == revision }), verified.outcome == "succeeded" else {
                throw Diagnostic("revision \(revision.prefix(12)) has not passed verify in \(from)", at: nil,
                                 hint: "run: infra verify \(stack) --env \(from)")
            }
            Terminal.out("Promoting \(source.stack.name) revision \(revision.prefix(12)) from \(from) (verified \(verified.at)) to \(to).\n")
            let steps = Deployment(session: target)
            let applied = try await target.withLock("promote") { () async throws -> Bool in
                let planned = try await steps.plan(mode: .apply, refresh: true)
                Terminal.out(PlanRenderer(style: Terminal.style).render(planned.plan))
                if planned.plan.hasChanges {
                    try steps.guardProtected(planned.plan, force: force)
                    if !autoApprove {
                        guard Terminal.confirm("\nPromote to \(target.address)? Only 'yes' will be accepted.") else {
                            throw Diagnostic("promotion cancelled: not confirmed", at: nil, hint: "pass --auto-approve when running without a terminal")
                        }
                    }
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
