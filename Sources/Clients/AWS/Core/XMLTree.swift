import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A small XML element tree: parsed from AWS responses, and rendered (with escaping) for request bodies.
public struct XMLTree: Sendable, Equatable {
    public var name: String
    public var text: String
    public var children: [XMLTree]

    public init(_ name: String, text: String = "", children: [XMLTree] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    public init(_ name: String, _ children: [XMLTree]) {
        self.init(name, children: children)
    }

    public func child(_ name: String) -> XMLTree? { children.first { $0.name == name } }
    public func children(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }
    /// The text of the first child called `name`, exactly as sent (keys may have edge spaces).
    public func value(_ name: String) -> String? { child(name)?.text }
    public func bool(_ name: String) -> Bool? { value(name).map { $0.trimmingCharacters(in: .whitespaces) == "true" } }
    public func int(_ name: String) -> Int? { value(name).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    /// Follows a path of child names, e.g. `["GetRoleResult", "Role"]`.
    public func descendant(_ path: String...) -> XMLTree? {
        path.reduce(Optional(self)) { $0?.child($1) }
    }

    public static func parse(_ data: Data) throws -> XMLTree {
        let delegate = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse(), let root = delegate.root else {
            throw XMLTreeError.malformed(parser.parserError.map { String(describing: $0) } ?? "no root element")
        }
        return root
    }

    /// `<?xml …?>` plus the element; `xmlns` goes on the root when given.
    public func document(namespace: String? = nil) -> Data {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        render(into: &out, namespace: namespace)
        return Data(out.utf8)
    }

    func render(into out: inout String, namespace: String? = nil) {
        out += "<\(name)"
        if let namespace { out += " xmlns=\"\(Self.escape(namespace))\"" }
        out += ">"
        out += Self.escape(text)
        for child in children { child.render(into: &out) }
        out += "</\(name)>"
    }

    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

public enum XMLTreeError: Error, Equatable {
    case malformed(String)
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    var stack: [XMLTree] = []
    var root: XMLTree?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        stack.append(XMLTree(elementName))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if !stack.isEmpty { stack[stack.count - 1].text += string }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        if !stack.isEmpty { stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self) }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard var element = stack.popLast() else { return }
        // Containers only hold formatting whitespace; leaves keep their text exactly.
        if !element.children.isEmpty { element.text = "" }
        if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
    }
}
