import Foundation

/// Checks what the user wrote against a property type before anything resolves:
/// unknown keys, missing required keys, literals of the wrong type, malformed expressions.
struct NodeChecker {
    let sink: DiagnosticSink

    func check(_ node: SourceNode, against type: PropertyType, name: String) {
        if case .scalar(let s) = node, s.text.contains("${") {
            // An expression: its type is checked once it resolves; here only its syntax.
            _ = interpolation(s)
            return
        }
        switch type {
        case .any:
            checkExpressions(in: node)
        case .string:
            guard case .scalar = node else { return mismatch(node, expected: type, name: name) }
        case .int:
            guard case .scalar(let s) = node, case .int = SourceNode.literalValue(s) else { return mismatch(node, expected: type, name: name) }
        case .number:
            guard case .scalar(let s) = node else { return mismatch(node, expected: type, name: name) }
            switch SourceNode.literalValue(s) { case .int, .double: break; default: mismatch(node, expected: type, name: name) }
        case .bool:
            guard case .scalar(let s) = node, case .bool = SourceNode.literalValue(s) else { return mismatch(node, expected: type, name: name) }
        case .enumeration(let values, let caseInsensitive):
            guard case .scalar(let s) = node else { return mismatch(node, expected: type, name: name) }
            let matches = values.contains { caseInsensitive ? $0.lowercased() == s.text.lowercased() : $0 == s.text }
            if !matches {
                sink.report("'\(s.text)' is not a valid value for '\(name)'", at: s.location,
                            hint: (Suggestion.closest(to: s.text, in: values).map { "did you mean '\($0)'? " } ?? "")
                                + "valid values: \(values.joined(separator: ", "))")
            }
        case .list(let element), .set(let element):
            guard case .sequence(let items, _) = node else { return mismatch(node, expected: type, name: name) }
            for item in items { check(item, against: element, name: name) }
        case .map(let element):
            guard case .mapping(let entries, _) = node else { return mismatch(node, expected: type, name: name) }
            for entry in entries { check(entry.value, against: element, name: "\(name).\(entry.key.text)") }
        case .object(let fields):
            guard case .mapping(let entries, let location) = node else { return mismatch(node, expected: type, name: name) }
            checkObject(entries, at: location, fields: fields, context: "'\(name)'")
        case .checked(let check):
            guard case .scalar(let s) = node else { return mismatch(node, expected: type, name: name) }
            if let problem = check.problem(s.text) {
                // Point at the problem inside a one-line value; a multi-line one is reported at its start.
                let before = s.text.unicodeScalars.prefix(problem.offset)
                let column = before.contains("\n") ? 0 : s.contentColumnOffset + before.count
                sink.report(problem.message, at: s.location.advanced(byColumns: column), hint: problem.hint)
            }
        case .resource:
            // A literal cannot be a reference; expressions returned above.
            mismatch(node, expected: type, name: name)
        case .oneOf(let types):
            // The first shape that fits without complaint wins; if none does, the error names them all,
            // except when exactly one shape matches the node's form (a mapping for an object): then its own errors are clearer.
            var attempts: [DiagnosticSink] = []
            for candidate in types {
                let trial = DiagnosticSink()
                NodeChecker(sink: trial).check(node, against: candidate, name: name)
                if trial.diagnostics.isEmpty { return }
                attempts.append(trial)
            }
            let sameForm = zip(types, attempts).filter { Self.sameForm(node, $0.0) }
            if sameForm.count == 1 { sameForm[0].1.diagnostics.forEach { sink.report($0) }; return }
            mismatch(node, expected: type, name: name)
        }
    }

    static func sameForm(_ node: SourceNode, _ type: PropertyType) -> Bool {
        switch (node, type) {
        case (.mapping, .object), (.mapping, .map), (.sequence, .list), (.sequence, .set): return true
        case (.scalar, .string), (.scalar, .int), (.scalar, .bool), (.scalar, .number), (.scalar, .enumeration), (.scalar, .checked): return true
        default: return false
        }
    }

    /// Checks a mapping's keys against a list of fields, then each value against its field's type.
    func checkObject(_ entries: [SourceNode.Entry], at location: SourceLocation, fields: [PropertySchema], context: String) {
        let known = Set(fields.map(\.name))
        for entry in entries where !known.contains(entry.key.text) {
            sink.report("unknown key '\(entry.key.text)' in \(context)", at: entry.key.location,
                        hint: Suggestion.hint(for: entry.key.text, in: known, kind: "key"))
        }
        for field in fields {
            if let entry = entries.first(where: { $0.key.text == field.name }) {
                check(entry.value, against: field.type, name: field.name)
            } else if field.required {
                sink.report("missing required key '\(field.name)' in \(context)", at: location,
                            hint: field.summary.isEmpty ? "add `\(field.name): …`" : "add `\(field.name):` (\(field.summary))")
            }
        }
    }

    func checkExpressions(in node: SourceNode) {
        switch node {
        case .scalar(let s): if s.text.contains("${") { _ = interpolation(s) }
        case .sequence(let items, _): items.forEach(checkExpressions)
        case .mapping(let entries, _): entries.forEach { checkExpressions(in: $0.value) }
        }
    }

    func interpolation(_ s: SourceNode.Scalar) -> Interpolation? {
        do {
            return try Interpolation.parse(s.text, at: s.location.advanced(byColumns: s.contentColumnOffset))
        } catch let d as Diagnostic {
            sink.report(d)
            return nil
        } catch {
            return nil
        }
    }

    private func mismatch(_ node: SourceNode, expected: PropertyType, name: String) {
        let got: String
        if case .scalar(let s) = node { got = "\(node.kindName) '\(s.text)'" } else { got = "a \(node.kindName)" }
        sink.report("'\(name)' must be \(article(expected.displayName)), got \(got)", at: node.location,
                    hint: hintFor(expected))
    }

    private func article(_ s: String) -> String {
        if s.hasPrefix("one of") || s.hasPrefix("any") { return s }
        return ("aeiou".contains(s.first!) ? "an " : "a ") + s
    }

    private func hintFor(_ type: PropertyType) -> String? {
        switch type {
        case .list, .set: return "write a YAML list, e.g. [a, b] or one item per line starting with '- '"
        case .map, .object: return "write a YAML mapping of `key: value` lines"
        case .int: return "write a whole number without quotes"
        case .bool: return "write true or false without quotes"
        default: return nil
        }
    }
}
