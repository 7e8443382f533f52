import Foundation
import InfraEngine

#if canImport(Glibc)
import Glibc
#endif

/// Where output goes and how it looks: colour only on a terminal and never with NO_COLOR.
enum Terminal {
    static let lock = NSLock()

    static var style: Style {
        Style(enabled: isatty(STDOUT_FILENO) == 1 && !noColor
            && ProcessInfo.processInfo.environment["TERM"] != "dumb")
    }

    /// no-color.org: set to any non-empty value, NO_COLOR turns colour off; empty, it does nothing.
    static var noColor: Bool { !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty }

    static var errorStyle: Style {
        Style(enabled: isatty(STDERR_FILENO) == 1 && !noColor)
    }

    static func out(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func err(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func write(_ data: Data) { FileHandle.standardOutput.write(data) }

    /// Asks for "yes" on standard input; refuses when nobody can answer.
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 }
    /// Progress meant for a person watching: printed on a terminal, left out when output is piped or saved.
    static var isInteractiveOutput: Bool { isatty(STDOUT_FILENO) == 1 }

    static func confirm(_ question: String) -> Bool {
        guard isInteractive else { return false }
        out(question)
        FileHandle.standardOutput.write(Data("  Enter a value: ".utf8))
        return readLine()?.trimmingCharacters(in: .whitespaces) == "yes"
    }
}

/// Prints one progress line per resource as apply works, with elapsed time; on a terminal, a resource that takes
/// long says so every 10 seconds ("Still creating... [10s elapsed]"), as Terraform does.
final class ProgressPrinter: ApplyObserver, @unchecked Sendable {
    let style: Style
    let reminders: Bool
    private let lock = NSLock()
    private var waiting: [String: Task<Void, Never>] = [:]

    init(style: Style, reminders: Bool = Terminal.isInteractiveOutput) {
        self.style = style
        self.reminders = reminders
    }

    func started(_ change: ResourceChange) {
        let doing = verb(change.action, done: false)
        Terminal.out("\(change.address): \(doing)...")
        guard reminders else { return }
        let reminder = Task {
            var elapsed = 0
            while true {
                try? await Task.sleep(nanoseconds: 10_000_000_000)
                if Task.isCancelled { return }
                elapsed += 10
                Terminal.out("\(change.address): Still \(doing.lowercased())... [\(elapsed)s elapsed]")
            }
        }
        lock.withLock { waiting[change.address] = reminder }
    }

    func finished(_ change: ResourceChange, seconds: Double, error: (any Error)?) {
        lock.withLock { waiting.removeValue(forKey: change.address) }?.cancel()
        let elapsed = String(format: "%.1fs", seconds)
        if let error {
            Terminal.out(style.red("\(change.address): \(verb(change.action, done: false)) failed after \(elapsed): \(error)"))
        } else {
            let id = change.identity.map { " [id=\($0)]" } ?? ""
            Terminal.out("\(change.address): \(verb(change.action, done: true)) after \(elapsed)\(change.action == .delete ? "" : id)")
        }
    }

    func verb(_ action: Action, done: Bool) -> String {
        switch action {
        case .create: return done ? "Creation complete" : "Creating"
        case .update: return done ? "Modifications complete" : "Modifying"
        case .replace: return done ? "Replacement complete" : "Replacing"
        case .delete: return done ? "Destruction complete" : "Destroying"
        case .adopt: return done ? "Recovery complete" : "Recovering"
        case .importExisting: return done ? "Import complete" : "Importing"
        case .noop: return ""
        }
    }
}

/// Turns SIGINT and SIGTERM into a graceful stop: operations in flight finish and are recorded. A signal that
/// cannot stop gracefully (no apply is executing yet, as during refresh, or it is the second one) quits at
/// once, releasing the state lock first.
enum Interruption {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    nonisolated(unsafe) private static var stopFlag: StopFlag?
    nonisolated(unsafe) private static var releaseLock: (@Sendable () -> Void)?
    nonisolated(unsafe) private static var count = 0

    /// From here on, the first signal stops `flag` gracefully.
    static func install(_ flag: StopFlag) {
        lock.withLock { stopFlag = flag }
        listen()
    }

    /// While a state lock is held, `release` frees it if a signal quits the process.
    static func holdingLock(release: @escaping @Sendable () -> Void) {
        lock.withLock { releaseLock = release }
        listen()
    }

    static func lockReleased() { lock.withLock { releaseLock = nil } }

    private static func listen() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler(handler: received)
            source.resume()
            sources.append(source)
        }
    }

    private static func received() {
        let (first, flag, release) = lock.withLock { () -> (Bool, StopFlag?, (@Sendable () -> Void)?) in
            count += 1
            return (count == 1, stopFlag, releaseLock)
        }
        if first, let flag {
            flag.stop()
            Terminal.err("Interrupt received: finishing operations in progress, then stopping. Interrupt again to quit at once.")
            return
        }
        if let release {
            release()
            Terminal.err("Interrupted: the state lock was released.")
        }
        exit(130)
    }
}
