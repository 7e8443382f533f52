import Foundation
import XCTest

@testable import InfraEngine
@testable import SnowflakeProvider

/// How infra reads what a real account reports (issue 11): the data-type grammar, clustering keys, key
/// columns, rewritten external-table expressions.
final class ColumnTypeGrammarTests: XCTestCase {
    func testEverySnowflakeTypeAndSynonymParses() {
        let cases: [(String, String)] = [
            ("NUMBER", "NUMBER(38,0)"), ("decimal(10, 2)", "NUMBER(10,2)"), ("NUMERIC(5)", "NUMBER(5,0)"), ("DEC(38,37)", "NUMBER(38,37)"),
            ("INT", "NUMBER(38,0)"), ("bigint", "NUMBER(38,0)"), ("BYTEINT", "NUMBER(38,0)"),
            ("FLOAT", "FLOAT"), ("DOUBLE PRECISION", "FLOAT"), ("real", "FLOAT"), ("FLOAT8", "FLOAT"),
            ("VARCHAR", "VARCHAR(16777216)"), ("STRING", "VARCHAR(16777216)"), ("TEXT(20)", "VARCHAR(20)"), ("CHAR", "VARCHAR(1)"),
            ("CHARACTER(3)", "VARCHAR(3)"), ("NCHAR VARYING(9)", "VARCHAR(9)"), ("BINARY", "BINARY(8388608)"), ("VARBINARY(16)", "BINARY(16)"),
            ("BOOLEAN", "BOOLEAN"), ("DATE", "DATE"), ("TIME", "TIME(9)"), ("TIME(3)", "TIME(3)"),
            ("TIMESTAMP", "TIMESTAMP_NTZ(9)"), ("DATETIME", "TIMESTAMP_NTZ(9)"), ("TIMESTAMP_NTZ(6)", "TIMESTAMP_NTZ(6)"),
            ("timestamp with local time zone", "TIMESTAMP_LTZ(9)"), ("TIMESTAMPTZ(0)", "TIMESTAMP_TZ(0)"), ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP_TZ(9)"),
            ("VARIANT", "VARIANT"), ("object", "OBJECT"), ("ARRAY", "ARRAY"), ("GEOGRAPHY", "GEOGRAPHY"), ("GEOMETRY", "GEOMETRY"),
            ("VECTOR(FLOAT, 256)", "VECTOR(FLOAT,256)"), ("vector(int,3)", "VECTOR(INT,3)"), ("  NUMBER ( 10 , 2 ) ", "NUMBER(10,2)"),
        ]
        for (written, canonical) in cases {
            guard case .success(let parsed) = ColumnType.parse(written) else { return XCTFail("'\(written)' must parse") }
            XCTAssertEqual(parsed.text, canonical, written)
        }
    }

    func testAnythingElseIsRefusedWithWhereAndWhy() {
        let cases: [(String, Int, String)] = [
            ("NUMBER)(", 6, "unexpected text after the type"),
            ("VARIANT, \"INJECTED\" NUMBER", 7, "unexpected text after the type"),
            ("NUMBER COMMENT 'x' NOT NULL", 7, "unexpected text after the type"),
            ("NUMBR", 0, "'NUMBR' is not a Snowflake data type"),
            ("", 0, "a column type is required"),
            ("NUMBER(39)", 7, "out of range"),
            ("NUMBER(5,6)", 6, "larger than the precision"),
            ("VARCHAR(0)", 8, "out of range"),
            ("INT(5)", 3, "INT takes no arguments"),
            ("TIME(10)", 5, "out of range"),
            ("VECTOR(STRING, 3)", 6, "VECTOR needs an element type"),
            ("VECTOR(INT, 5000)", 6, "dimension must be 1 to 4096"),
            ("NUMBER(", 7, "expected a whole number"),
            ("NUMBER(1;2)", 8, "expected ',' or ')'"),
            ("VARCHAR(99999999999999999999999)", 8, "expected a whole number"),
            ("日本", 0, "is not a Snowflake data type"),
        ]
        for (written, offset, message) in cases {
            guard case .failure(let problem) = ColumnType.parse(written) else { XCTFail("'\(written)' must be refused"); continue }
            XCTAssertTrue(problem.message.contains(message), "\(written): \(problem.message)")
            XCTAssertEqual(problem.offset, offset, written)
            XCTAssertFalse(problem.hint.isEmpty)
        }
        XCTAssertEqual(ColumnType.parse("NUMBR").failureHint?.hasPrefix("did you mean NUMBER?"), true)
    }

    func testCanonicalFormsNeverTrapOnText() {
        for text in ["NUMBER)(", ")", "(", "X(", "VARCHAR(", "((1))", "NUMBER(,)", "\u{0}", "VARCHAR(1,2,3,4)"] {
            _ = ColumnType.canonical(text)
            XCTAssertFalse(ColumnType.canAlter(from: text, to: "NUMBER"))
        }
        XCTAssertTrue(ColumnType.canAlter(from: "VARCHAR(10)", to: "STRING"))
        XCTAssertTrue(ColumnType.canAlter(from: "NUMBER(10,2)", to: "DECIMAL(12,2)"))
        XCTAssertFalse(ColumnType.canAlter(from: "NUMBER(10,2)", to: "NUMBER(12,3)"))
    }

    func testConstantDefaults() {
        for constant in ["1", "-2.5", "'it''s'", "'a\\'b'", "TRUE", "null"] { XCTAssertTrue(ColumnType.isConstantDefault(constant), constant) }
        for computed in ["CURRENT_TIMESTAMP()", "CURRENT_USER", "SEQ.NEXTVAL"] { XCTAssertFalse(ColumnType.isConstantDefault(computed), computed) }
    }
}

final class SnowflakeReadBackTests: XCTestCase {
    let table = TableKind(sql: NoConnection())

    func testClusteringKeysReadBackAsNamesWhetherQuotedOrNot() {
        XCTAssertEqual(TableKind.clusterKeys(showing: "LINEAR(\"ID\", \"Mixed\", V)"), [.string("ID"), .string("\"Mixed\""), .string("V")])
        XCTAssertEqual(TableKind.clusterKeys(showing: "LINEAR(ID)"), [.string("ID")])
        XCTAssertEqual(TableKind.clusterKeys(showing: "LINEAR(\"a,b\")"), [.string("\"a,b\"")])
        XCTAssertEqual(TableKind.clusterKeys(showing: ""), [])
        XCTAssertEqual(table.normalize(.list([.string("id"), .string("\"ID\""), .string("\"Mixed\"")]), property: "cluster_by"),
                       .list([.string("ID"), .string("ID"), .string("\"Mixed\"")]))
    }

    func testPrimaryKeyColumnsAreNotNull() {
        let properties: [String: Value] = [
            "columns": .list([.map(["name": .string("id"), "type": .string("NUMBER"), "nullable": .bool(true)]),
                              .map(["name": .string("note"), "type": .string("VARCHAR"), "nullable": .bool(true)])]),
            "primary_key": .list([.string("ID")]),
        ]
        let implied = table.impliedProperties(properties)
        XCTAssertEqual(implied["columns"]?.listValue?.map { $0.mapValue?["nullable"] }, [.bool(false), .bool(true)])
        XCTAssertEqual(table.impliedProperties(["columns": properties["columns"]!])["columns"], properties["columns"])
    }

    func testExternalTablePathsAreReadByMeaning() {
        for expression in ["value:\"a\":\"b\"::VARCHAR", "VALUE:a.b::VARCHAR(16777216)", "CAST(GET(GET(VALUE, 'a'), 'b') AS VARCHAR(16777216))",
                           "TO_CHAR(GET_PATH(VALUE, 'a.b'))", "VALUE['a']['b']::VARCHAR"] {
            XCTAssertEqual(ExternalTableKind.path(ofExpression: expression), "a.b", expression)
        }
        XCTAssertEqual(ExternalTableKind.path(ofExpression: "CAST(GET(VALUE, 'review_id') AS NUMBER(38,0))"), "review_id")
    }

    func testAddingAColumnWithAComputedDefaultReplacesTheTable() {
        let before: Value = .list([.map(["name": .string("ID"), "type": .string("NUMBER")])])
        func adding(_ defaultText: String) -> Value {
            .list(before.listValue! + [.map(["name": .string("LOADED_AT"), "type": .string("TIMESTAMP_NTZ"), "default": .string(defaultText)])])
        }
        XCTAssertTrue(table.requiresReplacement("columns", from: before, to: adding("CURRENT_TIMESTAMP()")))
        XCTAssertFalse(table.requiresReplacement("columns", from: before, to: adding("'2024-01-01'")))
    }
}

extension Result where Failure == ColumnType.Problem {
    var failureHint: String? { if case .failure(let p) = self { return p.hint } else { return nil } }
}
