import Foundation

/// `<NotificationConfiguration>` both ways: queue, topic and Lambda targets share one shape
/// except for the name of their ARN element.
enum NotificationXML {
    static var kinds: [(element: String, arn: String, path: WritableKeyPath<NotificationConfiguration, [NotificationTarget]>)] {
        [
            ("TopicConfiguration", "Topic", \.topics),
            ("QueueConfiguration", "Queue", \.queues),
            ("CloudFunctionConfiguration", "CloudFunction", \.lambdaFunctions),
        ]
    }

    static func element(_ configuration: NotificationConfiguration) -> XMLTree {
        var children: [XMLTree] = []
        for kind in kinds {
            for target in configuration[keyPath: kind.path] {
                var fields: [XMLTree] = []
                if let id = target.id { fields.append(XMLTree("Id", text: id)) }
                fields.append(XMLTree(kind.arn, text: target.arn))
                fields += target.events.map { XMLTree("Event", text: $0) }
                if !target.filterRules.isEmpty {
                    fields.append(XMLTree("Filter", [XMLTree("S3Key", target.filterRules.map {
                        XMLTree("FilterRule", [XMLTree("Name", text: $0.name), XMLTree("Value", text: $0.value)])
                    })]))
                }
                children.append(XMLTree(kind.element, fields))
            }
        }
        if configuration.eventBridgeEnabled { children.append(XMLTree("EventBridgeConfiguration")) }
        return XMLTree("NotificationConfiguration", children)
    }

    static func configuration(_ tree: XMLTree) -> NotificationConfiguration {
        var configuration = NotificationConfiguration()
        for kind in kinds {
            configuration[keyPath: kind.path] = tree.children(kind.element).map { element in
                let rules = element.child("Filter")?.child("S3Key")?.children("FilterRule").map {
                    NotificationTarget.FilterRule(name: ($0.value("Name") ?? "").lowercased(), value: $0.value("Value") ?? "")
                } ?? []
                // Older answers name a Lambda target's ARN `CloudFunction`; some servers use `LambdaFunctionArn`.
                let arn = element.value(kind.arn) ?? element.value("LambdaFunctionArn") ?? element.value("QueueArn")
                    ?? element.value("TopicArn") ?? ""
                return NotificationTarget(id: element.value("Id"), arn: arn.trimmed,
                                          events: element.children("Event").map { $0.text.trimmed }, filterRules: rules)
            }
        }
        configuration.eventBridgeEnabled = tree.child("EventBridgeConfiguration") != nil
        return configuration
    }
}
