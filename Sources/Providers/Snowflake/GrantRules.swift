import Foundation
import InfraEngine

/// What a `snowflake.grant` may combine, checked when the stack loads (FILE:LINE:COLUMN, before any call):
/// privileges or a role; a role or a user to give it to; exactly one thing it is on; and only privileges that
/// Snowflake documents for that thing's type (docs: sql-reference/sql/grant-privilege).
enum GrantRules {
    static func problems(in written: [String: SourceNode], resource: SourceLocation) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func report(_ message: String, at node: SourceNode?, hint: String) {
            out.append(Diagnostic(message, at: node?.location ?? resource, hint: hint))
        }
        let privileges = written["privileges"], on = written["on"]
        let role = written["role"] ?? written["database_role"], givenRoleKey = written["role"] != nil ? "role" : "database_role"
        let gives = ["privileges", "role", "database_role"].filter { written[$0] != nil }
        if gives.isEmpty {
            report("a grant gives privileges, a role or a database role", at: nil,
                   hint: "add `privileges: [USAGE]` with `on: {…}`, or `role: ${loader}`")
        } else if gives.count > 1 {
            report("a grant gives one of privileges, a role or a database role, not \(gives.joined(separator: " and "))",
                   at: written[gives[1]], hint: "make two grants")
        }
        let grantees = ["to_role", "to_user", "to_database_role"].filter { written[$0] != nil }
        if grantees.isEmpty {
            report("a grant needs a grantee", at: nil, hint: "add `to_role: ${loader}` (or `to_user:` for a role grant, `to_database_role:`)")
        } else if grantees.count > 1 {
            report("a grant goes to one grantee, not to \(grantees.joined(separator: " and "))", at: written[grantees[1]], hint: "make two grants")
        } else if let user = written["to_user"], written["role"] == nil {
            report(written["database_role"] != nil ? "a database role is granted to roles, not to users (docs: grant-database-role)"
                                                    : "privileges are granted to roles; a user gets a role",
                   at: user, hint: "grant it to a role and `role:` that role to the user")
        } else if let target = written["to_database_role"], written["role"] != nil {
            report("an account role cannot be granted to a database role (docs: grant-database-role)", at: target,
                   hint: "grant the database role to the account role instead: `database_role: …, to_role: …`")
        }
        if role != nil, let on { report("a \(givenRoleKey == "role" ? "role" : "database role") grant is not on an object", at: on, hint: "remove `on:`") }
        if privileges != nil, on == nil { report("a privilege grant needs `on:`", at: privileges, hint: "add `on: {database: ${db}}` (or schema, table, …)") }
        guard let on, let type = securableType(on, report: report) else { return out }
        if let target = written["to_database_role"], [.account, .warehouse, .integration].contains(type) {
            report("a database role holds privileges on its own database's objects only, not on \(type == .account ? "the account" : "a \(type.sql.lowercased())")",
                   at: target, hint: "grant these to an account role (`to_role:`)")
        }
        for item in privileges?.items ?? [] {
            guard let scalar = item.scalar, !scalar.text.contains("${") else { continue }
            let privilege = SecurableType.canonical(scalar.text)
            if privilege == "ALL" || privilege == "ALL PRIVILEGES" {
                if (privileges?.items?.count ?? 0) > 1 { report("ALL already grants every privilege", at: item, hint: "write `privileges: [ALL]` alone") }
            } else if privilege == "OWNERSHIP" {
                report("OWNERSHIP is not granted with snowflake.grant", at: item,
                       hint: "the role that creates an object owns it; grant the privileges the role needs instead")
            } else if !type.privileges.contains(privilege) {
                report("\(privilege) is not a privilege on a \(type.sql.lowercased())", at: item,
                       hint: (Suggestion.closest(to: privilege, in: type.privileges).map { "did you mean \($0)? " } ?? "")
                           + "privileges on a \(type.sql.lowercased()): \(type.privileges.joined(separator: ", "))")
            }
        }
        return out
    }

    /// The type of object `on:` names, reporting what is wrong with it.
    static func securableType(_ on: SourceNode, report: (String, SourceNode?, String) -> Void) -> SecurableType? {
        guard let entries = on.entries else { return nil }  // the schema check reports a non-mapping
        let keys = entries.map(\.key.text)
        let targets = keys.filter { $0 == "account" || $0 == "future" || $0 == "all" || SecurableType.byKey[$0] != nil }
        let scopes = entries.filter { $0.key.text == "in_schema" || $0.key.text == "in_database" }
        guard targets.count == 1 else {
            report(targets.isEmpty ? "`on:` names nothing to grant on" : "`on:` names \(targets.count) things; a grant is on one",
                   on, "write one of `on: {table: ${events}}`, `on: {account: true}`, `on: {future: tables, in_schema: ${raw}}`")
            return nil
        }
        if targets[0] == "future" || targets[0] == "all" {
            let many = targets[0]
            guard scopes.count == 1 else {
                report("\(many) grants need exactly one of in_schema or in_database", on, "write `on: {\(many): tables, in_schema: ${raw}}`")
                return nil
            }
            let plural = on[many]?.scalar?.text ?? ""
            guard let type = SecurableType.byPlural[plural.uppercased().replacingOccurrences(of: "_", with: " ")] else { return nil }
            if type == .schema, scopes[0].key.text == "in_schema" {
                report("\(many) schemas are granted in a database", scopes[0].value, "write `in_database:`")
            }
            return type
        }
        if let scope = scopes.first {
            report("`\(scope.key.text)` goes with `future:` or `all:`", scope.value, "remove it, or grant on `future: <kind>` or `all: <kind>` objects in it")
        }
        if targets[0] == "account" {
            if let flag = on["account"]?.scalar, flag.text.lowercased() != "true" {
                report("`account:` can only be true", on["account"], "write `on: {account: true}`")
            }
            return .account
        }
        return SecurableType.byKey[targets[0]]
    }
}
