import Foundation
import SigV4

public struct IAMTag: Sendable, Equatable, Hashable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

public struct IAMRole: Sendable, Equatable {
    public var roleName: String
    public var roleId: String
    public var arn: String
    public var path: String
    public var createDate: String?
    /// Decoded JSON (IAM sends policy documents percent-encoded).
    public var assumeRolePolicyDocument: String?
    public var description: String?
    public var maxSessionDuration: Int?
    public var tags: [IAMTag]

    init(_ element: XMLTree) {
        roleName = element.value("RoleName") ?? ""
        roleId = element.value("RoleId") ?? ""
        arn = element.value("Arn") ?? ""
        path = element.value("Path") ?? "/"
        createDate = element.value("CreateDate")
        assumeRolePolicyDocument = element.value("AssumeRolePolicyDocument").map(PolicyDocument.decode)
        description = element.value("Description")
        maxSessionDuration = element.int("MaxSessionDuration")
        tags = IAMTag.list(element.child("Tags"))
    }
}

public struct AttachedPolicy: Sendable, Equatable {
    public var policyName: String
    public var policyArn: String
}

public struct IAMUser: Sendable, Equatable {
    public var userName: String
    public var userId: String
    public var arn: String
    public var path: String
    public var createDate: String?
}

/// One page of a Marker/IsTruncated listing.
public struct IAMPage<Item: Sendable & Equatable>: Sendable, Equatable {
    public var items: [Item]
    public var isTruncated: Bool
    public var marker: String?
}

extension IAMTag {
    static func list(_ element: XMLTree?) -> [IAMTag] {
        (element?.children("member") ?? []).map { IAMTag($0.value("Key") ?? "", $0.value("Value") ?? "") }
    }
}

enum PolicyDocument {
    /// IAM returns documents percent-encoded (RFC 3986); `+` is a literal plus there.
    static func decode(_ text: String) -> String { URIEncoding.decode(text.trimmed) }
}
