import Foundation
import InfraEngine
import SnowflakeSQLAPI

/// One `SHOW <objects>` command and what its documented grammar allows. Snowflake answers at most 10,000 rows
/// to one SHOW; more fails with 090153 ("…exceeded the max number of rows(10000) supported for SHOW
/// statements. Use LIMIT option…"). Only some commands take `LIMIT n FROM 'name'` (behaviour change 2023_05,
/// "SHOW commands: pagination support"; the SHOW TABLES/SCHEMAS/DATABASES/EXTERNAL TABLES pages); the others
/// can only be narrowed to a smaller scope.
struct ShowCommand: Sendable {
    /// The words after SHOW: `TABLES`, `FILE FORMATS`.
    let objects: String
    /// The grammar has `LIMIT <rows> [FROM '<name>']`.
    let pages: Bool
    /// How many name parts an object's container has: 0 account-level (databases), 1 a database (schemas),
    /// 2 a schema (tables, stages…).
    let containerDepth: Int
    /// Rows describe a table's parts (columns, keys): the narrowest scope is `IN TABLE`.
    let perTable: Bool

    static let databases = ShowCommand(objects: "DATABASES", pages: true, containerDepth: 0, perTable: false)
    static let schemas = ShowCommand(objects: "SCHEMAS", pages: true, containerDepth: 1, perTable: false)
    static let tables = ShowCommand(objects: "TABLES", pages: true, containerDepth: 2, perTable: false)
    static let externalTables = ShowCommand(objects: "EXTERNAL TABLES", pages: true, containerDepth: 2, perTable: false)
    static let columns = ShowCommand(objects: "COLUMNS", pages: false, containerDepth: 2, perTable: true)
    static let primaryKeys = ShowCommand(objects: "PRIMARY KEYS", pages: false, containerDepth: 2, perTable: true)
    static let stages = ShowCommand(objects: "STAGES", pages: false, containerDepth: 2, perTable: false)
    static let fileFormats = ShowCommand(objects: "FILE FORMATS", pages: false, containerDepth: 2, perTable: false)
    static let pipes = ShowCommand(objects: "PIPES", pages: false, containerDepth: 2, perTable: false)

    static let tooManyRowsCode = "090153"
}

extension SQLRunner {
    /// Every row `SHOW <objects>` gives about `identities` (qualified names of the objects, or of the tables
    /// whose columns/keys are wanted). One account-wide statement while the account is small; past 10,000
    /// rows, one statement per container of a wanted object (paged by name where the grammar allows, down to
    /// `IN TABLE` for columns and keys), so a large account never fails a plan. `schema` narrows the
    /// first statement to one schema (a read-back after create).
    func show(_ command: ShowCommand, about identities: [String], schema: QualifiedName? = nil) async throws -> [SQLRow] {
        let wanted = identities.map(QualifiedName.init(parsing:))
        if let schema {
            return try await showInContainer(command, container: schema, wanted: wanted.filter { Array($0.parts.dropLast()) == schema.parts })
        }
        do {
            if command.pages {
                let scope = command.containerDepth == 0 ? "" : " IN ACCOUNT"  // account-level objects take no IN
                let rows = try await query("SHOW \(command.objects)\(scope) LIMIT \(showRowLimit)")
                if rows.count < showRowLimit { return rows }
                if command.containerDepth == 0 { return try await pages(command, scope: "", first: rows) }
            } else {
                return try await query("SHOW \(command.objects) IN ACCOUNT")
            }
        } catch let error as SnowflakeError where error.code == ShowCommand.tooManyRowsCode && command.containerDepth > 0 {}
        // Too many for one statement: each container of a wanted object on its own, concurrently.
        var containers: [QualifiedName: [QualifiedName]] = [:]
        for name in wanted where name.parts.count > command.containerDepth {
            containers[QualifiedName(Array(name.parts.prefix(command.containerDepth))), default: []].append(name)
        }
        return try await withThrowingTaskGroup(of: [SQLRow].self) { group in
            for (container, names) in containers {
                group.addTask { try await self.showInContainer(command, container: container, wanted: names) }
            }
            var rows: [SQLRow] = []
            for try await part in group { rows += part }
            return rows
        }
    }

    /// A container (or table) that does not exist yet holds nothing: a plan for new objects must not fail.
    private func rowsUnlessMissing(_ list: () async throws -> [SQLRow]) async throws -> [SQLRow] {
        do { return try await list() } catch let error as SnowflakeError where error.code == SnowflakeError.objectDoesNotExist { return [] }
    }

    private func showInContainer(_ command: ShowCommand, container: QualifiedName, wanted: [QualifiedName]) async throws -> [SQLRow] {
        let scope = " IN \(container.parts.count == 1 ? "DATABASE" : "SCHEMA") \(container.sql)"
        if command.pages { return try await rowsUnlessMissing { try await pages(command, scope: scope, first: nil) } }
        do {
            return try await rowsUnlessMissing { try await query("SHOW \(command.objects)\(scope)") }
        } catch let error as SnowflakeError where error.code == ShowCommand.tooManyRowsCode && command.perTable {
            var rows: [SQLRow] = []
            for table in Set(wanted.map { QualifiedName(Array($0.parts.prefix(3))) }) {
                rows += try await rowsUnlessMissing { try await query("SHOW \(command.objects) IN TABLE \(table.sql)") }
            }
            return rows
        }
    }

    /// `LIMIT 10000`, then `LIMIT 10000 FROM '<last name>'` until a page comes back short. Names are unique
    /// within one container and SHOW lists them in name order, so the last name is an exact cursor.
    private func pages(_ command: ShowCommand, scope: String, first: [SQLRow]?) async throws -> [SQLRow] {
        var rows: [SQLRow]
        if let first { rows = first } else { rows = try await query("SHOW \(command.objects)\(scope) LIMIT \(showRowLimit)") }
        var page = rows
        var seen = Set(rows.compactMap { $0["name"] })
        while page.count >= showRowLimit, let last = page.last?["name"] {
            page = try await query("SHOW \(command.objects)\(scope) LIMIT \(showRowLimit) FROM \(SnowflakeLiteral.string(last))")
            let fresh = page.filter { seen.insert($0["name"] ?? "").inserted }
            if fresh.isEmpty { break }  // a cursor that includes its own row would otherwise repeat forever
            rows += fresh
        }
        return rows
    }
}
