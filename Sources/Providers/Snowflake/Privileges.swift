import Foundation

/// The kinds of object a grant can be on, with the privileges Snowflake documents for each
/// (docs: sql-reference/sql/grant-privilege, "globalPrivileges", "accountObjectPrivileges", "schemaPrivileges",
/// "schemaObjectPrivileges"; user-guide/security-access-control-privileges). Only the object types infra manages
/// are here, plus the account. OWNERSHIP is not among them: it moves with GRANT OWNERSHIP, not with a grant.
struct SecurableType: Hashable, Sendable {
    /// The stack's spelling (`on: {file_format: …}`).
    let key: String
    /// Snowflake's spelling in GRANT and in SHOW GRANTS' `granted_on` (with `_` for spaces there).
    let sql: String
    /// The plural for `ALL … IN` and `FUTURE … IN` (`FILE FORMATS`); nil where Snowflake has no such grant.
    let plural: String?
    let privileges: [String]
    /// What `ALL [PRIVILEGES]` certainly grants; the privileges read back are compared with it so that a stack
    /// asking for ALL re-plans clean (SHOW GRANTS lists ALL as the privileges it grants, one row each).
    let allIncludes: [String]

    var grantedOn: String { sql.replacingOccurrences(of: " ", with: "_") }

    static let account = SecurableType(
        key: "account", sql: "ACCOUNT", plural: nil,
        privileges: ["APPLY AGGREGATION POLICY", "APPLY AUTHENTICATION POLICY", "APPLY MASKING POLICY", "APPLY PACKAGES POLICY",
                     "APPLY PASSWORD POLICY", "APPLY PROJECTION POLICY", "APPLY ROW ACCESS POLICY", "APPLY SESSION POLICY",
                     "APPLY TAG", "ATTACH POLICY", "AUDIT", "BIND SERVICE ENDPOINT", "CREATE ACCOUNT", "CREATE COMPUTE POOL",
                     "CREATE DATA EXCHANGE LISTING", "CREATE DATABASE", "CREATE EXTERNAL VOLUME", "CREATE FAILOVER GROUP",
                     "CREATE INTEGRATION", "CREATE NETWORK POLICY", "CREATE REPLICATION GROUP", "CREATE ROLE", "CREATE SHARE",
                     "CREATE USER", "CREATE WAREHOUSE", "EXECUTE ALERT", "EXECUTE DATA METRIC FUNCTION", "EXECUTE MANAGED ALERT",
                     "EXECUTE MANAGED TASK", "EXECUTE TASK", "IMPORT SHARE", "MANAGE ACCOUNT SUPPORT CASES", "MANAGE EVENT SHARING",
                     "MANAGE GRANTS", "MANAGE LISTING AUTO FULFILLMENT", "MANAGE ORGANIZATION SUPPORT CASES",
                     "MANAGE USER SUPPORT CASES", "MANAGE WAREHOUSES", "MODIFY LOG LEVEL", "MODIFY SESSION LOG LEVEL",
                     "MODIFY SESSION TRACE LEVEL", "MODIFY TRACE LEVEL", "MONITOR", "MONITOR EXECUTION", "MONITOR SECURITY",
                     "MONITOR USAGE", "OVERRIDE SHARE RESTRICTIONS", "PURCHASE DATA EXCHANGE LISTING", "RESOLVE ALL"],
        allIncludes: ["CREATE DATABASE", "CREATE WAREHOUSE", "CREATE INTEGRATION", "CREATE ROLE", "CREATE USER"])

    static let database = SecurableType(
        key: "database", sql: "DATABASE", plural: nil,
        privileges: ["APPLYBUDGET", "CREATE DATABASE ROLE", "CREATE SCHEMA", "IMPORTED PRIVILEGES", "MODIFY", "MONITOR", "REFERENCE_USAGE",
                     "USAGE"],
        allIncludes: ["CREATE SCHEMA", "MODIFY", "MONITOR", "USAGE"])

    static let warehouse = SecurableType(
        key: "warehouse", sql: "WAREHOUSE", plural: nil,
        privileges: ["APPLYBUDGET", "MODIFY", "MONITOR", "OPERATE", "USAGE"],
        allIncludes: ["MODIFY", "MONITOR", "OPERATE", "USAGE"])

    static let integration = SecurableType(
        key: "integration", sql: "INTEGRATION", plural: nil, privileges: ["USAGE", "USE_ANY_ROLE"], allIncludes: ["USAGE"])

    static let schema = SecurableType(
        key: "schema", sql: "SCHEMA", plural: "SCHEMAS",
        privileges: ["ADD SEARCH OPTIMIZATION", "APPLYBUDGET", "CREATE AGGREGATION POLICY", "CREATE ALERT",
                     "CREATE AUTHENTICATION POLICY", "CREATE DYNAMIC TABLE", "CREATE EVENT TABLE", "CREATE EXTERNAL TABLE",
                     "CREATE FILE FORMAT", "CREATE FUNCTION", "CREATE ICEBERG TABLE", "CREATE MASKING POLICY",
                     "CREATE MATERIALIZED VIEW", "CREATE NETWORK RULE", "CREATE PACKAGES POLICY", "CREATE PASSWORD POLICY",
                     "CREATE PIPE", "CREATE PROCEDURE", "CREATE PROJECTION POLICY", "CREATE ROW ACCESS POLICY", "CREATE SECRET",
                     "CREATE SEQUENCE", "CREATE SESSION POLICY", "CREATE STAGE", "CREATE STREAM", "CREATE STREAMLIT",
                     "CREATE TABLE", "CREATE TAG", "CREATE TASK", "CREATE VIEW", "MODIFY", "MONITOR", "USAGE"],
        allIncludes: ["CREATE TABLE", "CREATE VIEW", "CREATE STAGE", "CREATE FILE FORMAT", "CREATE PIPE", "MODIFY", "MONITOR", "USAGE"])

    static let table = SecurableType(
        key: "table", sql: "TABLE", plural: "TABLES",
        privileges: ["APPLYBUDGET", "DELETE", "EVOLVE SCHEMA", "INSERT", "REBUILD", "REFERENCES", "SELECT", "TRUNCATE", "UPDATE"],
        allIncludes: ["DELETE", "INSERT", "REFERENCES", "SELECT", "TRUNCATE", "UPDATE"])

    static let externalTable = SecurableType(
        key: "external_table", sql: "EXTERNAL TABLE", plural: "EXTERNAL TABLES", privileges: ["REFERENCES", "SELECT"],
        allIncludes: ["REFERENCES", "SELECT"])

    static let view = SecurableType(
        key: "view", sql: "VIEW", plural: "VIEWS", privileges: ["REFERENCES", "SELECT"], allIncludes: ["REFERENCES", "SELECT"])

    /// USAGE is for external stages, READ and WRITE for internal ones: which one a stage is shows at apply.
    static let stage = SecurableType(
        key: "stage", sql: "STAGE", plural: "STAGES", privileges: ["READ", "USAGE", "WRITE"], allIncludes: [])

    static let fileFormat = SecurableType(
        key: "file_format", sql: "FILE FORMAT", plural: "FILE FORMATS", privileges: ["USAGE"], allIncludes: ["USAGE"])

    static let pipe = SecurableType(
        key: "pipe", sql: "PIPE", plural: "PIPES", privileges: ["APPLYBUDGET", "MONITOR", "OPERATE"], allIncludes: ["MONITOR", "OPERATE"])

    static let all: [SecurableType] = [.account, .database, .warehouse, .integration, .schema, .table, .externalTable, .view,
                                       .stage, .fileFormat, .pipe]
    static let byKey = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })
    static let byPlural = Dictionary(uniqueKeysWithValues: all.compactMap { t in t.plural.map { ($0, t) } })
    static let byGrantedOn = Dictionary(uniqueKeysWithValues: all.map { ($0.grantedOn, $0) })

    /// Schema objects live in a schema; their names have three parts.
    var inSchema: Bool { [SecurableType.table, .externalTable, .view, .stage, .fileFormat, .pipe].contains(self) }

    /// A privilege as written (`select`, `create  table`) in Snowflake's spelling.
    static func canonical(_ privilege: String) -> String {
        privilege.uppercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
