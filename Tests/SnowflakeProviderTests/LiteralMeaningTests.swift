import Foundation
import XCTest

@testable import InfraEngine
@testable import SnowflakeProvider

/// A literal compares by its value, whichever escapes wrote it: `'it''s'` (the SQL standard's doubled quote) and
/// `'it\'s'` (how Snowflake shows it back) are one default, so a table is never replaced for a spelling.
final class LiteralMeaningTests: XCTestCase {
    /// SplitMix64: the same cases on every run.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let alphabet: [Character] = ["a", "Z", "0", " ", "'", "''", "\\", "\"", "\n", "\t", "é", "☃", "𝄞", "$", "%", "_", ";", "(", ")"]
        .flatMap { Array($0) }

    /// The SQL-standard spelling: only quotes doubled, everything else as it is.
    static func doubled(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    func testEverySpellingOfAValueDecodesToIt() {
        var random = Seeded(state: 42)
        for _ in 0..<2_000 {
            let value = String((0..<Int.random(in: 0...12, using: &random)).map { _ in Self.alphabet.randomElement(using: &random)! })
            let backslashed = SnowflakeLiteral.string(value)
            XCTAssertEqual(SnowflakeLiteral.decode(backslashed), value, backslashed)
            if !value.contains("\\") {
                // Without backslashes the doubled-quote spelling means the same; with them, Snowflake reads escapes.
                XCTAssertEqual(SnowflakeLiteral.decode(Self.doubled(value)), value, Self.doubled(value))
                XCTAssertEqual(TableKind.canonicalDefault(Self.doubled(value)), TableKind.canonicalDefault(backslashed))
            }
            XCTAssertEqual(SnowflakeLiteral.canonical(backslashed), backslashed, "the canonical spelling is stable")
        }
    }

    func testSnowflakeEscapes() {
        XCTAssertEqual(SnowflakeLiteral.decode(#"'it''s'"#), "it's")
        XCTAssertEqual(SnowflakeLiteral.decode(#"'it\'s'"#), "it's")
        XCTAssertEqual(SnowflakeLiteral.decode(#"'a\tb\nc\\d\"e\x41\u00e9\q'"#), "a\tb\nc\\d\"eAéq")
        XCTAssertNil(SnowflakeLiteral.decode("'a'b'"), "a lone quote ends the literal: not one literal")
        XCTAssertNil(SnowflakeLiteral.decode("'abc"))
        XCTAssertNil(SnowflakeLiteral.decode(#"'\x4'"#))
        XCTAssertEqual(TableKind.canonicalDefault(#"'it''s'"#), TableKind.canonicalDefault(#"'it\'s'"#))
        XCTAssertNotEqual(TableKind.canonicalDefault("'a'"), TableKind.canonicalDefault("'A'"), "values keep their case")
    }
}
