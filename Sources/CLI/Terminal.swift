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

    static func confirm(_ question: String) -> Bool {
        guard isInteractive else { return false }
        out(question)
        FileHandle.standardOutput.write(Data("  Enter a value: ".utf8))
        return readLine()?.trimmingCharacters(in: .whitespaces) == "yes"
    }
}

/// Prints one progress line per resource as apply works, with elapsed time.
final class ProgressPrinter: ApplyObserver, @unchecked Sendable {
    let style: Style
    init(style: Style) { self.style = style }

    func started(_ change: ResourceChange) {
        Terminal.out("\(change.address): \(verb(change.action, done: false))...")
    }

    func finished(_ change: ResourceChange, seconds: Double, error: (any Error)?) {
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

/// Turns SIGINT and SIGTERM into a graceful stop: operations in flight finish and are recorded.
enum Interruption {
    nonisolated(unsafe) static var sources: [DispatchSourceSignal] = []

    static func install(_ flag: StopFlag) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            var count = 0
            source.setEventHandler {
                count += 1
                if count == 1 {
                    flag.stop()
                    Terminal.err("Interrupt received: finishing operations in progress, then stopping. Interrupt again to quit at once.")
                } else {
                    exit(130)
                }
            }
            source.resume()
            sources.append(source)
        }
    }
}
