import Foundation
import XCTest
@testable import AWSProvider

final class GzipTests: XCTestCase {
    /// What s3_put gzips must be a gzip file that gzip itself reads back byte for byte.
    func testGzipRoundTripsThroughTheGzipTool() throws {
        let original = Data((0..<2000).map { "{\"event_id\": \"evt_\($0)\"}\n" }.joined().utf8)
        let compressed = try Gzip.compress(original)
        XCTAssertEqual(Array(compressed.prefix(2)), [0x1f, 0x8b], "gzip magic")
        XCTAssertLessThan(compressed.count, original.count / 4)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gz-\(UUID().uuidString).gz")
        try compressed.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-dc", file.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertEqual(data, original)
    }
}
