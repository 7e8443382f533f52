import Foundation

/// Just enough DER to read the structures around an encrypted PKCS#8 key (RFC 5958 / RFC 8018).
/// Keys are small and come from the user's disk, so a simple recursive reader is plenty.
struct DERNode {
    let tag: UInt8
    let content: Data

    static let sequence: UInt8 = 0x30
    static let integer: UInt8 = 0x02
    static let octetString: UInt8 = 0x04
    static let objectIdentifier: UInt8 = 0x06

    /// Reads consecutive nodes from `data`.
    static func parseAll(_ data: Data) throws -> [DERNode] {
        var nodes: [DERNode] = []
        var index = data.startIndex
        while index < data.endIndex {
            let (node, next) = try parse(data, at: index)
            nodes.append(node)
            index = next
        }
        return nodes
    }

    private static func parse(_ data: Data, at start: Data.Index) throws -> (DERNode, Data.Index) {
        var index = start
        func byte() throws -> UInt8 {
            guard index < data.endIndex else { throw PrivateKeyError.malformed("truncated DER") }
            defer { index += 1 }
            return data[index]
        }
        let tag = try byte()
        var length = Int(try byte())
        if length & 0x80 != 0 {
            let count = length & 0x7f
            guard count > 0, count <= 4 else { throw PrivateKeyError.malformed("unsupported DER length") }
            length = 0
            for _ in 0..<count { length = length << 8 | Int(try byte()) }
        }
        guard data.endIndex - index >= length else { throw PrivateKeyError.malformed("truncated DER") }
        let content = data[index..<(index + length)]
        return (DERNode(tag: tag, content: Data(content)), index + length)
    }

    func children() throws -> [DERNode] {
        guard tag == Self.sequence else { throw PrivateKeyError.malformed("expected a DER sequence") }
        return try Self.parseAll(content)
    }

    /// Dotted form of an OBJECT IDENTIFIER.
    func objectIdentifier() throws -> String {
        guard tag == Self.objectIdentifier, let first = content.first else { throw PrivateKeyError.malformed("expected an OID") }
        var parts = [Int(first) / 40, Int(first) % 40]
        var value = 0
        for byte in content.dropFirst() {
            value = value << 7 | Int(byte & 0x7f)
            if byte & 0x80 == 0 { parts.append(value); value = 0 }
        }
        return parts.map(String.init).joined(separator: ".")
    }

    func integer() throws -> Int {
        guard tag == Self.integer, content.count <= 8 else { throw PrivateKeyError.malformed("expected a small INTEGER") }
        return content.reduce(0) { $0 << 8 | Int($1) }
    }
}
