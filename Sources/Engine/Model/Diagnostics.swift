import Foundation

/// A place in a source file. Lines and columns count from 1, as editors show them.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    public func advanced(byColumns n: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column + n)
    }
}

/// A problem in what the user wrote: where, what, and what to do about it.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public var location: SourceLocation?
    public var message: String
    public var hint: String?

    public init(_ message: String, at location: SourceLocation?, hint: String? = nil) {
        self.location = location
        self.message = message
        self.hint = hint
    }

    /// The same diagnostic with its file named relative to `directory` when it lies inside it.
    public func relative(to directory: String) -> Diagnostic {
        var copy = self
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        if let file = location?.file, file.hasPrefix(prefix) { copy.location?.file = String(file.dropFirst(prefix.count)) }
        return copy
    }

    public var description: String {
        var text = location.map { "\($0): error: \(message)" } ?? "error: \(message)"
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }
}

/// Several diagnostics at once: loading reports every problem it can find, not just the first, up to
/// `DiagnosticSink.limit`; `omitted` counts the rest.
public struct DiagnosticList: Error, CustomStringConvertible, Sendable {
    public var diagnostics: [Diagnostic]
    /// Further distinct diagnostics found but not kept.
    public var omitted: Int
    public init(_ diagnostics: [Diagnostic], omitted: Int = 0) {
        self.diagnostics = diagnostics
        self.omitted = omitted
    }
    public var total: Int { diagnostics.count + omitted }
    public var description: String {
        (diagnostics.map(\.description) + (omitted > 0 ? ["error: \(omitted) more errors not shown"] : [])).joined(separator: "\n")
    }
}

/// Collects diagnostics while loading, so that one run shows all of them: the first `limit` distinct ones,
/// and a count of the others (a hostile stack can hold tens of thousands of errors).
final class DiagnosticSink {
    static let limit = 100
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var omitted = 0
    private var seen: Set<Diagnostic> = []

    func report(_ d: Diagnostic) {
        guard seen.insert(d).inserted else { return }
        if diagnostics.count < Self.limit { diagnostics.append(d) } else { omitted += 1 }
    }
    func report(_ message: String, at location: SourceLocation?, hint: String? = nil) {
        report(Diagnostic(message, at: location, hint: hint))
    }
    func report(_ list: DiagnosticList) {
        list.diagnostics.forEach(report)
        omitted += list.omitted
    }
    var isEmpty: Bool { diagnostics.isEmpty }
    var list: DiagnosticList { DiagnosticList(diagnostics, omitted: omitted) }
    func throwIfAny() throws { if !diagnostics.isEmpty { throw list } }
}

/// "Did you mean …?" for typos: the closest candidate within a small edit distance.
public enum Suggestion {
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let lowered = word.lowercased()
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            let limit = max(2, min(word.count, candidate.count) / 3)
            if distance <= limit, best == nil || distance < best!.1 { best = (candidate, distance) }
        }
        return best?.0
    }

    public static func hint(for word: String, in candidates: some Sequence<String>, kind: String) -> String {
        let list = Array(candidates).sorted()
        if let match = closest(to: word, in: list) { return "did you mean '\(match)'?" }
        if list.isEmpty { return "no \(kind) is declared" }
        let shown = list.prefix(12).joined(separator: ", ")
        return "known \(kind)s: \(shown)\(list.count > 12 ? ", …" : "")"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
