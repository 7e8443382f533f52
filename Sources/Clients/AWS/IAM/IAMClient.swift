import Foundation
import SigV4

/// IAM's query API (roles, their inline and managed policies, tags; GetUser).
///
/// Every call is retried through throttling and transient failures. A create or delete repeated after an
/// attempt that was carried out answers EntityAlreadyExists or NoSuchEntity: callers judge those
/// (a role's owner tags say whether it is theirs).
public struct IAMClient: Sendable {
    public let endpoint: ServiceEndpoint
    public let calls: CallCounter
    let query: QueryProtocolClient

    public init(configuration: AWSClientConfiguration, calls: CallCounter = CallCounter()) {
        endpoint = configuration.endpoint(for: "iam")
        self.calls = calls
        query = QueryProtocolClient(
            executor: RequestExecutor(service: "iam", endpoint: endpoint, rules: .generic,
                                      configuration: configuration, counter: calls),
            version: "2010-05-08")
    }

    // MARK: Roles

    public func createRole(name: String, assumeRolePolicyDocument: String, path: String? = nil,
                           description: String? = nil, maxSessionDuration: Int? = nil,
                           tags: [IAMTag] = []) async throws -> IAMRole {
        let result = try await query.call("CreateRole", [
            ("RoleName", name), ("AssumeRolePolicyDocument", assumeRolePolicyDocument), ("Path", path),
            ("Description", description), ("MaxSessionDuration", maxSessionDuration.map(String.init)),
        ] + Self.tagParameters(tags))
        return try role(result.child("Role"), "CreateRole")
    }

    /// nil when there is no such role.
    public func getRole(name: String) async throws -> IAMRole? {
        do {
            let result = try await query.call("GetRole", [("RoleName", name)])
            return try role(result.child("Role"), "GetRole")
        } catch let error as AWSError where error.code == "NoSuchEntity" {
            return nil
        }
    }

    public func listRoles(pathPrefix: String? = nil, marker: String? = nil, maxItems: Int? = nil) async throws -> IAMPage<IAMRole> {
        let result = try await query.call("ListRoles", [
            ("PathPrefix", pathPrefix), ("Marker", marker), ("MaxItems", maxItems.map(String.init)),
        ])
        return page(result, (result.child("Roles")?.children("member") ?? []).map(IAMRole.init))
    }

    public func listAllRoles(pathPrefix: String? = nil, pageSize: Int? = nil) async throws -> [IAMRole] {
        try await collect { marker in try await listRoles(pathPrefix: pathPrefix, marker: marker, maxItems: pageSize) }
    }

    /// Only the given fields change; IAM has no way to clear a description except setting "".
    public func updateRole(name: String, description: String? = nil, maxSessionDuration: Int? = nil) async throws {
        _ = try await query.call("UpdateRole", [
            ("RoleName", name), ("Description", description), ("MaxSessionDuration", maxSessionDuration.map(String.init)),
        ])
    }

    public func updateAssumeRolePolicy(roleName: String, policyDocument: String) async throws {
        _ = try await query.call("UpdateAssumeRolePolicy", [("RoleName", roleName), ("PolicyDocument", policyDocument)])
    }

    public func deleteRole(name: String) async throws {
        _ = try await query.call("DeleteRole", [("RoleName", name)])
    }

    // MARK: Role tags

    public func tagRole(name: String, tags: [IAMTag]) async throws {
        _ = try await query.call("TagRole", [("RoleName", name)] + Self.tagParameters(tags))
    }

    public func untagRole(name: String, keys: [String]) async throws {
        let parameters = keys.enumerated().map { ("TagKeys.member.\($0.offset + 1)", Optional($0.element)) }
        _ = try await query.call("UntagRole", [("RoleName", name)] + parameters)
    }

    public func listRoleTags(name: String) async throws -> [IAMTag] {
        try await collect { marker in
            let result = try await query.call("ListRoleTags", [("RoleName", name), ("Marker", marker)])
            return page(result, IAMTag.list(result.child("Tags")))
        }
    }

    // MARK: Inline policies

    public func putRolePolicy(roleName: String, policyName: String, policyDocument: String) async throws {
        _ = try await query.call("PutRolePolicy", [
            ("RoleName", roleName), ("PolicyName", policyName), ("PolicyDocument", policyDocument),
        ])
    }

    /// The decoded policy JSON, or nil when the role has no such inline policy.
    public func getRolePolicy(roleName: String, policyName: String) async throws -> String? {
        do {
            let result = try await query.call("GetRolePolicy", [("RoleName", roleName), ("PolicyName", policyName)])
            return result.value("PolicyDocument").map(PolicyDocument.decode)
        } catch let error as AWSError where error.code == "NoSuchEntity" {
            return nil
        }
    }

    public func listRolePolicies(roleName: String) async throws -> [String] {
        try await collect { marker in
            let result = try await query.call("ListRolePolicies", [("RoleName", roleName), ("Marker", marker)])
            return page(result, (result.child("PolicyNames")?.children("member") ?? []).map { $0.text.trimmed })
        }
    }

    public func deleteRolePolicy(roleName: String, policyName: String) async throws {
        _ = try await query.call("DeleteRolePolicy", [("RoleName", roleName), ("PolicyName", policyName)])
    }

    // MARK: Managed policies

    public func attachRolePolicy(roleName: String, policyArn: String) async throws {
        _ = try await query.call("AttachRolePolicy", [("RoleName", roleName), ("PolicyArn", policyArn)])
    }

    public func detachRolePolicy(roleName: String, policyArn: String) async throws {
        _ = try await query.call("DetachRolePolicy", [("RoleName", roleName), ("PolicyArn", policyArn)])
    }

    public func listAttachedRolePolicies(roleName: String) async throws -> [AttachedPolicy] {
        try await collect { marker in
            let result = try await query.call("ListAttachedRolePolicies", [("RoleName", roleName), ("Marker", marker)])
            return page(result, (result.child("AttachedPolicies")?.children("member") ?? []).map {
                AttachedPolicy(policyName: $0.value("PolicyName") ?? "", policyArn: $0.value("PolicyArn") ?? "")
            })
        }
    }

    // MARK: Users

    /// The named user, or the caller's own user when `name` is nil.
    public func getUser(name: String? = nil) async throws -> IAMUser {
        let result = try await query.call("GetUser", [("UserName", name)])
        guard let user = result.child("User") else {
            throw AWSResponseError(service: "iam", action: "GetUser", reason: "no User element")
        }
        return IAMUser(userName: user.value("UserName") ?? "", userId: user.value("UserId") ?? "",
                       arn: user.value("Arn") ?? "", path: user.value("Path") ?? "/", createDate: user.value("CreateDate"))
    }

    // MARK: Helpers

    func role(_ element: XMLTree?, _ action: String) throws -> IAMRole {
        guard let element else { throw AWSResponseError(service: "iam", action: action, reason: "no Role element") }
        return IAMRole(element)
    }

    func page<Item>(_ result: XMLTree, _ items: [Item]) -> IAMPage<Item> {
        IAMPage(items: items, isTruncated: result.bool("IsTruncated") ?? false, marker: result.value("Marker")?.trimmed)
    }

    func collect<Item>(_ fetch: (String?) async throws -> IAMPage<Item>) async throws -> [Item] {
        var items: [Item] = []
        var marker: String?
        repeat {
            let page = try await fetch(marker)
            items += page.items
            marker = page.isTruncated ? page.marker : nil
        } while marker != nil
        return items
    }

    static func tagParameters(_ tags: [IAMTag]) -> [(String, String?)] {
        memberList("Tags", tags.map { [("Key", $0.key), ("Value", $0.value)] })
    }
}
