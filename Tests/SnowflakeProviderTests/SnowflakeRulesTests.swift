import Foundation
import XCTest

@testable import InfraEngine
@testable import SnowflakeProvider

final class SnowflakeNameTests: XCTestCase {
    func testUnquotedNamesAreCaseInsensitiveAndQuotedNamesExact() {
        let cases: [(String, String, String)] = [
            // written, stored, shortest form
            ("raw_events", "RAW_EVENTS", "RAW_EVENTS"),
            ("RAW_EVENTS", "RAW_EVENTS", "RAW_EVENTS"),
            ("\"Raw\"", "Raw", "\"Raw\""),
            ("\"RAW\"", "RAW", "RAW"),
            ("my-stage", "my-stage", "\"my-stage\""),
            ("\"a\"\"b\"", "a\"b", "\"a\"\"b\""),
            ("_x$1", "_X$1", "_X$1"),
        ]
        for (written, stored, shortest) in cases {
            let name = SnowflakeName(parsing: written)
            XCTAssertEqual(name.stored, stored, written)
            XCTAssertEqual(name.description, shortest, written)
            XCTAssertEqual(SnowflakeName(parsing: name.description), name, "round trip of \(written)")
        }
        XCTAssertEqual(SnowflakeName(parsing: "raw"), SnowflakeName(parsing: "RAW"))
        XCTAssertNotEqual(SnowflakeName(parsing: "\"raw\""), SnowflakeName(parsing: "raw"))
    }

    func testQualifiedNamesSplitOnDotsOutsideQuotes() {
        let q = QualifiedName(parsing: "ecommerce_dev.\"Raw.Zone\".events")
        XCTAssertEqual(q.parts.map(\.stored), ["ECOMMERCE_DEV", "Raw.Zone", "EVENTS"])
        XCTAssertEqual(q.sql, "\"ECOMMERCE_DEV\".\"Raw.Zone\".\"EVENTS\"")
        XCTAssertEqual(QualifiedName(parsing: q.description), q)
    }

    func testNoStackValueCanInjectSQL() {
        let hostile = "x\"; DROP DATABASE prod; --"
        let name = SnowflakeName(parsing: hostile)
        XCTAssertEqual(name.sql, "\"x\"\"; DROP DATABASE prod; --\"", "the quote is doubled: the whole text stays one identifier")
        XCTAssertEqual(SnowflakeLiteral.string("it's \\ done'; DROP TABLE t; --"), "'it\\'s \\\\ done\\'; DROP TABLE t; --'")
        XCTAssertFalse(ColumnType.isSafeDefault("1; DROP TABLE t"))
        XCTAssertFalse(ColumnType.isSafeDefault("CURRENT_TIMESTAMP() || (SELECT 1)"))
        XCTAssertTrue(ColumnType.isSafeDefault("CURRENT_TIMESTAMP()"))
        XCTAssertTrue(ColumnType.isSafeDefault("'it''s'"))
        XCTAssertThrowsError(try StagePath(parsing: "@S/x'; DROP"))
        XCTAssertEqual(try StagePath(parsing: "@db.raw.events_stage/_infra_check/").sql, "@\"DB\".\"RAW\".\"EVENTS_STAGE\"/_infra_check/")
    }
}

final class SnowflakeTypeTests: XCTestCase {
    func testTypesNormaliseAsSnowflakeReportsThem() {
        let cases = [
            ("VARCHAR", "VARCHAR(16777216)"), ("string", "VARCHAR(16777216)"), ("TEXT", "VARCHAR(16777216)"), ("varchar(500)", "VARCHAR(500)"),
            ("NUMBER", "NUMBER(38,0)"), ("int", "NUMBER(38,0)"), ("DECIMAL(10, 2)", "NUMBER(10,2)"), ("NUMBER(12)", "NUMBER(12,0)"),
            ("TIMESTAMP_NTZ", "TIMESTAMP_NTZ(9)"), ("DATETIME", "TIMESTAMP_NTZ(9)"), ("timestamp_tz(3)", "TIMESTAMP_TZ(3)"),
            ("VARIANT", "VARIANT"), ("double", "FLOAT"), ("CHAR", "VARCHAR(1)"), ("BOOLEAN", "BOOLEAN"),
        ]
        for (written, canonical) in cases { XCTAssertEqual(ColumnType.canonical(written), canonical, written) }
    }

    func testOnlyWideningChangesInPlace() {
        XCTAssertTrue(ColumnType.canAlter(from: "VARCHAR(100)", to: "VARCHAR(500)"))
        XCTAssertFalse(ColumnType.canAlter(from: "VARCHAR(500)", to: "VARCHAR(100)"))
        XCTAssertTrue(ColumnType.canAlter(from: "NUMBER(10,2)", to: "NUMBER(12,2)"))
        XCTAssertFalse(ColumnType.canAlter(from: "NUMBER(10,2)", to: "NUMBER(12,3)"))
        XCTAssertFalse(ColumnType.canAlter(from: "VARCHAR", to: "VARIANT"))
    }
}

/// A runner that refuses every statement: these tests exercise decisions that need no connection.
struct NoConnection: SQLRunner {
    func query(_ statement: String) async throws -> [SQLRow] { throw SnowflakeProviderError("no connection in this test") }
    func queryBatch(_ statements: [String]) async throws -> [[SQLRow]] { throw SnowflakeProviderError("no connection in this test") }
}

final class TableChangeTests: XCTestCase {
    let kind = TableKind(sql: NoConnection())

    func columns(_ spec: [(String, String)]) -> Value {
        .list(spec.map { .map(["name": .string($0.0), "type": .string($0.1)]) })
    }

    func testAdditiveChangesAreInPlaceAndOthersReplace() {
        let before = kind.normalize(columns([("event_data", "VARIANT"), ("source_file", "VARCHAR(500)")]), property: "columns")
        func replaces(_ after: [(String, String)]) -> Bool {
            kind.requiresReplacement("columns", from: before, to: kind.normalize(columns(after), property: "columns"))
        }
        XCTAssertFalse(replaces([("event_data", "VARIANT"), ("source_file", "VARCHAR(500)"), ("batch_id", "VARCHAR")]), "add at the end")
        XCTAssertFalse(replaces([("EVENT_DATA", "variant"), ("source_file", "VARCHAR(1000)")]), "case and widening")
        XCTAssertFalse(replaces([("event_data", "VARIANT")]), "drop a column")
        XCTAssertTrue(replaces([("batch_id", "VARCHAR"), ("event_data", "VARIANT"), ("source_file", "VARCHAR(500)")]), "insert before existing columns")
        XCTAssertTrue(replaces([("source_file", "VARCHAR(500)"), ("event_data", "VARIANT")]), "reorder")
        XCTAssertTrue(replaces([("event_data", "VARCHAR"), ("source_file", "VARCHAR(500)")]), "retype")
    }

    func testEquivalentSpellingsNormaliseEqual() {
        let a = kind.normalize(columns([("loaded_at", "TIMESTAMP_NTZ"), ("n", "NUMBER")]), property: "columns")
        let b = kind.normalize(.list([
            .map(["name": "LOADED_AT", "type": "timestamp_ntz(9)", "nullable": true, "comment": ""]),
            .map(["name": "N", "type": "NUMBER(38,0)"]),
        ]), property: "columns")
        XCTAssertEqual(a, b)
    }

    func testWarehouseSizesNormalise() {
        let w = WarehouseKind(sql: NoConnection())
        for written in ["XSMALL", "x-small", "X-Small", "xsmall"] { XCTAssertEqual(w.normalize(.string(written), property: "size"), "XSMALL") }
        XCTAssertEqual(w.normalize("2X-Large", property: "size"), "XXLARGE")
    }

    func testPipeDefinitionsCompareWithoutWhitespace() {
        let p = PipeKind(sql: NoConnection())
        let desired = p.normalize(.map(["into": "db.raw.events", "from": "@db.raw.stage/x/", "on_error": "skip_file"]), property: "copy")
        let reported = p.normalize(.string("COPY INTO \"DB\".\"RAW\".\"EVENTS\"\n   FROM @\"DB\".\"RAW\".\"STAGE\"/x/  ON_ERROR = SKIP_FILE"), property: "copy")
        XCTAssertEqual(desired, reported)
    }
}
