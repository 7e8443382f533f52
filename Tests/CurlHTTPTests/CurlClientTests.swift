import CCurl
@testable import CurlHTTP
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The libcurl transport against a real HTTP server on the loopback interface.
final class CurlClientTests: XCTestCase {
    var server: EchoServer!

    override func setUpWithError() throws { server = try EchoServer() }
    override func tearDown() { server.stop() }

    func echo(_ response: CurlResponse) throws -> EchoServer.Echo {
        try JSONDecoder().decode(EchoServer.Echo.self, from: response.body)
    }

    func testBodyHeadersAndStatusGoAndComeBack() async throws {
        let body = Data([0, 1, 2, 255] + Array("payload".utf8))
        let response = try await CurlClient.shared.send(
            CurlRequest(method: "PUT", url: server.url("/status/201"), headers: [(name: "X-Amz-Date", value: "20261202T000000Z")],
                        body: body), timeout: 5)
        XCTAssertEqual(response.status, 201)
        XCTAssertEqual(response.headers["content-type"], "application/json")
        XCTAssertEqual(response.headers["x-repeated"], "one, two")
        let echo = try echo(response)
        XCTAssertEqual(echo.method, "PUT")
        XCTAssertEqual(echo.body, body.map { String(format: "%02x", $0) }.joined())
        XCTAssertEqual(echo.header("x-amz-date"), ["20261202T000000Z"])
        XCTAssertEqual(echo.header("content-length"), [String(body.count)])
        // Only what the caller asked for: none of libcurl's defaults.
        XCTAssertEqual(echo.header("accept"), [])
        XCTAssertEqual(echo.header("content-type"), [])
        XCTAssertEqual(echo.header("expect"), [])
    }

    func testMethodsWithoutABody() async throws {
        let put = try echo(try await CurlClient.shared.send(CurlRequest(method: "PUT", url: server.url("/empty")), timeout: 5))
        XCTAssertEqual(put.method, "PUT")
        XCTAssertEqual(put.header("content-length"), ["0"], "a PUT always says how long its body is")
        let delete = try echo(try await CurlClient.shared.send(CurlRequest(method: "DELETE", url: server.url("/gone")), timeout: 5))
        XCTAssertEqual(delete.method, "DELETE")
        let head = try await CurlClient.shared.send(CurlRequest(method: "HEAD", url: server.url("/head")), timeout: 5)
        XCTAssertEqual(head.status, 200)
        XCTAssertNotEqual(head.headers["content-length"], "0")
        XCTAssertEqual(head.body, Data(), "a HEAD answer has no body, whatever its Content-Length says")
    }

    /// S3 keys may hold `.`, `..` and `//`: the path goes out exactly as written.
    func testThePathIsSentAsWritten() async throws {
        let path = "/bucket/a/../b/./c//d%20e?versionId=1"
        let response = try await CurlClient.shared.send(CurlRequest(method: "GET", url: server.url(path)), timeout: 5)
        XCTAssertEqual(try echo(response).path, path)
    }

    func testChunkedAndUntilCloseAnswersAreRead() async throws {
        let chunked = try await CurlClient.shared.send(CurlRequest(method: "GET", url: server.url("/chunked")), timeout: 5)
        XCTAssertEqual(chunked.body, Data("Wikipedia".utf8))
        let unsized = try await CurlClient.shared.send(CurlRequest(method: "GET", url: server.url("/until-close")), timeout: 5)
        XCTAssertEqual(unsized.body, Data("until close".utf8))
    }

    func testOneConnectionServesRequestsInTurn() async throws {
        var ports: Set<Int> = []
        for _ in 0..<5 {
            ports.insert(try echo(try await CurlClient.shared.send(CurlRequest(method: "GET", url: server.url("/again")), timeout: 5)).client_port)
        }
        XCTAssertEqual(ports.count, 1, "each request after the first reuses the connection")
    }

    /// Many transfers at once on the one transfer thread: the waits overlap.
    func testConcurrentRequestsWaitTogether() async throws {
        let started = Date()
        let server = self.server!
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<40 {
                group.addTask { try await CurlClient.shared.send(CurlRequest(method: "GET", url: server.url("/delay/300/\(index)")), timeout: 10).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(statuses, Array(repeating: 200, count: 40))
        XCTAssertLessThan(Date().timeIntervalSince(started), 3, "40 answers that each take 0.3 s")
    }

    /// A long wait on the network costs next to no CPU: the transfer thread sleeps in the kernel.
    func testWaitingForAnAnswerCostsNoCPU() async throws {
        let started = Date()
        let before = Self.cpuSeconds()
        let response = try await CurlClient.shared.send(CurlRequest(method: "GET", url: server.url("/delay/2000")), timeout: 10)
        let cpu = Self.cpuSeconds() - before
        XCTAssertEqual(response.status, 200)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 2)
        XCTAssertLessThan(cpu, 0.2, "CPU seconds spent waiting 2 s for an answer")
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func testTheDeadlineEndsAWait() async throws {
        let started = Date()
        do {
            _ = try await CurlClient.shared.send(CurlRequest(method: "GET", url: server.url("/delay/3000")), timeout: 0.5)
            XCTFail("answered after its deadline")
        } catch let failure as CurlFailure {
            XCTAssertEqual(failure, .timedOut)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
    }

    func testCancellingTheTaskAbandonsTheTransfer() async throws {
        let started = Date()
        let slow = server.url("/delay/5000")
        let call = Task { try await CurlClient.shared.send(CurlRequest(method: "GET", url: slow), timeout: 30) }
        try await Task.sleep(nanoseconds: 300_000_000)
        call.cancel()
        do {
            _ = try await call.value
            XCTFail("a cancelled call answered")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        // The transfer thread goes on serving others.
        let next = try await CurlClient.shared.send(CurlRequest(method: "GET", url: server.url("/after")), timeout: 5)
        XCTAssertEqual(next.status, 200)
    }

    func testACallFromACancelledTaskNeverGoesOut() async throws {
        let slow = server.url("/delay/5000")
        let call = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await CurlClient.shared.send(CurlRequest(method: "GET", url: slow), timeout: 30)
        }
        do {
            _ = try await call.value
            XCTFail("a cancelled call answered")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
    }

    func testRefusedConnectionCannotConnect() async throws {
        let port = server.port
        server.stop()
        do {
            _ = try await CurlClient.shared.send(CurlRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/")!), timeout: 5)
            XCTFail("nothing listens there")
        } catch let failure as CurlFailure {
            guard case .cannotConnect = failure else { return XCTFail("\(failure)") }
        }
    }

    /// libcurl's codes for a connection that broke are the ones a caller may retry.
    func testFailuresAreClassified() {
        for code in [CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE] {
            guard case .connectionLost = CurlFailure(code: code, detail: "") else { return XCTFail("\(code)") }
        }
        for code in [CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST] {
            guard case .cannotConnect = CurlFailure(code: code, detail: "") else { return XCTFail("\(code)") }
        }
        XCTAssertEqual(CurlFailure(code: CURLE_OPERATION_TIMEDOUT, detail: ""), .timedOut)
        XCTAssertEqual(CurlFailure(code: CURLE_PEER_FAILED_VERIFICATION, detail: "SSL: certificate problem"), .other("SSL: certificate problem"))
    }
}
