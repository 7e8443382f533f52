import Foundation
import InfraEngine
import XCTest
@testable import AWSProvider

/// A CreateRole repeated after an attempt that was carried out finds the role there: it counts as created
/// when the role carries this deployment's owner tags for this resource, and is an error otherwise.
final class RoleOwnershipTests: XCTestCase {
    let owner = OwnerStamp(stack: "s", environment: "dev")

    func testOwnerTagsNameStackEnvironmentAndAddress() {
        XCTAssertEqual(owner.tags(address: "r1"), ["infra:stack": "s", "infra:environment": "dev", "infra:address": "r1"])
        XCTAssertTrue(owner.owns(tags: ["infra:stack": "s", "infra:environment": "dev", "infra:address": "r1", "team": "x"], address: "r1"))
        XCTAssertFalse(owner.owns(tags: ["infra:stack": "s", "infra:environment": "dev", "infra:address": "r2"], address: "r1"))
        XCTAssertFalse(owner.owns(tags: ["infra:stack": "s", "infra:environment": "prod", "infra:address": "r1"], address: "r1"))
        XCTAssertFalse(owner.owns(tags: [:], address: "r1"))
        XCTAssertEqual(OwnerStamp.declared(["infra:stack": "s", "team": "x"]), ["team": "x"])
    }

    func resource(_ name: String) -> DesiredResource {
        DesiredResource(logicalName: "r1", identity: name, properties: [
            "name": .string(name), "trust": .map(["services": .list(["glue.amazonaws.com"])]), "tags": .map(["team": "x"]),
        ])
    }

    func testARoleThisDeploymentCreatedCountsAsCreated() async throws {
        let iam = ExistingRoles(["mine": owner.tags(address: "r1")])
        let created = try await RoleKind(owner: owner) { iam }.create(resource("mine"))
        XCTAssertEqual(created.attributes["arn"], "arn:aws:iam::000000000000:role/mine")
    }

    func testSomeoneElsesRoleIsAnError() async throws {
        for tags in [["team": "x"], OwnerStamp(stack: "other", environment: "dev").tags(address: "r1")] {
            let iam = ExistingRoles(["theirs": tags])
            do {
                _ = try await RoleKind(owner: owner) { iam }.create(resource("theirs"))
                XCTFail("expected RoleAlreadyExistsError")
            } catch is RoleAlreadyExistsError {}
        }
    }

    func testANewRoleCarriesTheOwnerTagsButReadsBackOnlyTheDeclaredOnes() async throws {
        let iam = ExistingRoles([:])
        _ = try await RoleKind(owner: owner) { iam }.create(resource("fresh"))
        XCTAssertEqual(iam.tags["fresh"], ["team": "x", "infra:stack": "s", "infra:environment": "dev", "infra:address": "r1"])
        let read = try await RoleKind(owner: owner) { iam }.read(["fresh"], properties: ["tags"])
        XCTAssertEqual(read["fresh"]?.properties["tags"], .map(["team": "x"]))
    }
}

/// IAM as far as creating a role goes: roles that exist, with their tags.
private final class ExistingRoles: IAMRoleOperations, @unchecked Sendable {
    private(set) var tags: [String: [String: String]]
    init(_ tags: [String: [String: String]]) { self.tags = tags }

    func summary(_ name: String) -> RoleSummary {
        RoleSummary(name: name, path: "/", arn: "arn:aws:iam::000000000000:role/\(name)", roleID: "AROA\(name)", description: "",
                    maxSessionDuration: 3600, trustPolicy: "{}")
    }

    func listRoles() async throws -> [RoleSummary] { tags.keys.sorted().map(summary) }
    func createRole(name: String, path: String, description: String, maxSessionDuration: Int, trustPolicy: String,
                    tags: [String: String]) async throws -> RoleSummary {
        guard self.tags[name] == nil else { throw RoleAlreadyExistsError(name: name) }
        self.tags[name] = tags
        return summary(name)
    }
    func role(_ name: String) async throws -> RoleSummary? { tags[name].map { _ in summary(name) } }
    func roleTags(_ role: String) async throws -> [String: String] { tags[role] ?? [:] }
    func updateRole(name: String, description: String, maxSessionDuration: Int) async throws {}
    func updateTrustPolicy(role: String, _ json: String) async throws {}
    func deleteRole(_ name: String) async throws { tags[name] = nil }
    func tagRole(_ role: String, _ tags: [String: String]) async throws {}
    func untagRole(_ role: String, keys: [String]) async throws {}
    func inlinePolicyNames(_ role: String) async throws -> [String] { [] }
    func inlinePolicy(_ role: String, name: String) async throws -> String? { nil }
    func putInlinePolicy(_ role: String, name: String, _ json: String) async throws {}
    func deleteInlinePolicy(_ role: String, name: String) async throws {}
    func attachedPolicyARNs(_ role: String) async throws -> [String] { [] }
    func attachPolicy(_ role: String, arn: String) async throws {}
    func detachPolicy(_ role: String, arn: String) async throws {}
}
