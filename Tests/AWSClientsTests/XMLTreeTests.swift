@testable import AWSClients
import Foundation
import XCTest

final class XMLTreeTests: XCTestCase {
    func testRenderingEscapesAndParsesBack() throws {
        let tree = XMLTree("Tagging", [XMLTree("TagSet", [
            XMLTree("Tag", [XMLTree("Key", text: "a<b>&\"c'"), XMLTree("Value", text: " spaced  ")]),
        ])])
        let data = tree.document(namespace: S3Client.namespace)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"))
        XCTAssertTrue(text.contains("<Key>a&lt;b&gt;&amp;&quot;c&apos;</Key>"))
        XCTAssertEqual(try XMLTree.parse(data), tree, "leaf text, edge spaces included, survives")
    }

    func testMalformedXMLThrows() {
        XCTAssertThrowsError(try XMLTree.parse(Data("<a><b></a>".utf8)))
        XCTAssertThrowsError(try XMLTree.parse(Data("not xml".utf8)))
    }

    func testLifecycleRulesRenderTheCurrentFilterForm() {
        let rule = LifecycleRule(id: "r", filter: .prefix("raw/"), expiration: .expiredObjectDeleteMarker,
                                 noncurrentVersionExpiration: .init(days: 3, newerNoncurrentVersions: 2))
        let element = LifecycleXML.element(rule)
        XCTAssertEqual(element.descendant("Filter", "Prefix")?.text, "raw/")
        XCTAssertEqual(element.value("Status"), "Enabled")
        XCTAssertEqual(LifecycleXML.rule(element), rule)
        let legacy = try? XMLTree.parse(Data("<Rule><ID>old</ID><Prefix>logs/</Prefix><Status>Disabled</Status><Expiration><Days>5</Days></Expiration></Rule>".utf8))
        XCTAssertEqual(legacy.map(LifecycleXML.rule), LifecycleRule(id: "old", enabled: false, filter: .prefix("logs/"),
                                                                     expiration: .days(5)))
    }

    func testNotificationDocumentShape() {
        let configuration = NotificationConfiguration(
            queues: [NotificationTarget(id: "q", arn: "arn:aws:sqs:eu-west-1:1:q", events: ["s3:ObjectCreated:*"],
                                        filterRules: [.suffix(".csv")])],
            lambdaFunctions: [NotificationTarget(arn: "arn:aws:lambda:eu-west-1:1:function:f", events: ["s3:ObjectRemoved:*"])])
        let element = NotificationXML.element(configuration)
        XCTAssertEqual(element.child("QueueConfiguration")?.value("Queue"), "arn:aws:sqs:eu-west-1:1:q")
        XCTAssertEqual(element.child("CloudFunctionConfiguration")?.value("CloudFunction"), "arn:aws:lambda:eu-west-1:1:function:f")
        XCTAssertEqual(element.descendant("QueueConfiguration", "Filter", "S3Key", "FilterRule")?.value("Name"), "suffix")
        XCTAssertEqual(NotificationXML.configuration(element), configuration)
    }
}
