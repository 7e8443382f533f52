import Foundation

/// `<Rule>` elements of a lifecycle configuration, both ways.
enum LifecycleXML {
    static func element(_ rule: LifecycleRule) -> XMLTree {
        var children: [XMLTree] = []
        if let id = rule.id { children.append(XMLTree("ID", text: id)) }
        children.append(filter(rule.filter))
        children.append(XMLTree("Status", text: rule.enabled ? "Enabled" : "Disabled"))
        for transition in rule.transitions {
            children.append(XMLTree("Transition", [XMLTree("Days", text: String(transition.days)),
                                                   XMLTree("StorageClass", text: transition.storageClass)]))
        }
        if let expiration = rule.expiration {
            switch expiration {
            case .days(let days): children.append(XMLTree("Expiration", [XMLTree("Days", text: String(days))]))
            case .date(let date): children.append(XMLTree("Expiration", [XMLTree("Date", text: date)]))
            case .expiredObjectDeleteMarker:
                children.append(XMLTree("Expiration", [XMLTree("ExpiredObjectDeleteMarker", text: "true")]))
            }
        }
        for transition in rule.noncurrentVersionTransitions {
            children.append(XMLTree("NoncurrentVersionTransition", [
                XMLTree("NoncurrentDays", text: String(transition.days)),
                XMLTree("StorageClass", text: transition.storageClass),
            ]))
        }
        if let noncurrent = rule.noncurrentVersionExpiration {
            var fields = [XMLTree("NoncurrentDays", text: String(noncurrent.days))]
            if let newer = noncurrent.newerNoncurrentVersions {
                fields.append(XMLTree("NewerNoncurrentVersions", text: String(newer)))
            }
            children.append(XMLTree("NoncurrentVersionExpiration", fields))
        }
        if let days = rule.abortIncompleteMultipartUploadDays {
            children.append(XMLTree("AbortIncompleteMultipartUpload", [XMLTree("DaysAfterInitiation", text: String(days))]))
        }
        return XMLTree("Rule", children)
    }

    static func filter(_ filter: LifecycleRule.Filter) -> XMLTree {
        func tag(_ tag: S3Tag) -> XMLTree { XMLTree("Tag", [XMLTree("Key", text: tag.key), XMLTree("Value", text: tag.value)]) }
        switch filter {
        case .all: return XMLTree("Filter", [XMLTree("Prefix")])
        case .prefix(let prefix): return XMLTree("Filter", [XMLTree("Prefix", text: prefix)])
        case .tag(let value): return XMLTree("Filter", [tag(value)])
        case .and(let prefix, let tags):
            return XMLTree("Filter", [XMLTree("And", (prefix.map { [XMLTree("Prefix", text: $0)] } ?? []) + tags.map(tag))])
        }
    }

    static func rule(_ element: XMLTree) -> LifecycleRule {
        var rule = LifecycleRule(id: element.value("ID"), enabled: element.value("Status")?.trimmed == "Enabled")
        rule.filter = filter(element)
        if let expiration = element.child("Expiration") {
            if let days = expiration.int("Days") {
                rule.expiration = .days(days)
            } else if let date = expiration.value("Date") {
                rule.expiration = .date(date.trimmed)
            } else if expiration.bool("ExpiredObjectDeleteMarker") == true {
                rule.expiration = .expiredObjectDeleteMarker
            }
        }
        rule.transitions = element.children("Transition").compactMap { transition in
            transition.int("Days").map { LifecycleRule.Transition(days: $0, storageClass: transition.value("StorageClass") ?? "") }
        }
        rule.noncurrentVersionTransitions = element.children("NoncurrentVersionTransition").compactMap { transition in
            transition.int("NoncurrentDays").map {
                LifecycleRule.Transition(days: $0, storageClass: transition.value("StorageClass") ?? "")
            }
        }
        if let noncurrent = element.child("NoncurrentVersionExpiration"), let days = noncurrent.int("NoncurrentDays") {
            rule.noncurrentVersionExpiration = .init(days: days, newerNoncurrentVersions: noncurrent.int("NewerNoncurrentVersions"))
        }
        rule.abortIncompleteMultipartUploadDays = element.child("AbortIncompleteMultipartUpload")?.int("DaysAfterInitiation")
        return rule
    }

    /// Reads `<Filter>` (current form) or a top-level `<Prefix>` (the older form some servers return).
    static func filter(_ element: XMLTree) -> LifecycleRule.Filter {
        func tag(_ tag: XMLTree) -> S3Tag { S3Tag(tag.value("Key") ?? "", tag.value("Value") ?? "") }
        guard let filter = element.child("Filter") else {
            return element.value("Prefix").map { $0.isEmpty ? .all : .prefix($0) } ?? .all
        }
        if let and = filter.child("And") {
            return .and(prefix: and.value("Prefix"), tags: and.children("Tag").map(tag))
        }
        if let value = filter.child("Tag") { return .tag(tag(value)) }
        if let prefix = filter.value("Prefix"), !prefix.isEmpty { return .prefix(prefix) }
        return .all
    }
}
