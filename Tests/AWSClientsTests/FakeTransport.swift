@testable import AWSClients
import Foundation
import SigV4

/// Answers from a script and records what was sent (unit tests only; integration tests use moto).
final class FakeTransport: HTTPTransport, @unchecked Sendable {
    enum Answer {
        case response(HTTPResponse)
        case failure(TransportError)
    }

    private let lock = NSLock()
    private var answers: [Answer]
    private(set) var sent: [HTTPRequest] = []

    init(_ answers: [Answer]) {
        self.answers = answers
    }

    func send(_ request: HTTPRequest, timeout: TimeInterval) async throws -> HTTPResponse {
        switch next(request) {
        case .response(let response): return response
        case .failure(let error): throw error
        }
    }

    private func next(_ request: HTTPRequest) -> Answer {
        lock.lock()
        defer { lock.unlock() }
        sent.append(request)
        return answers.isEmpty ? .response(HTTPResponse(status: 200)) : answers.removeFirst()
    }

    var requests: [HTTPRequest] {
        lock.lock()
        defer { lock.unlock() }
        return sent
    }

    static func xml(_ status: Int, _ body: String) -> Answer {
        .response(HTTPResponse(status: status, headers: ["content-type": "text/xml"], body: Data(body.utf8)))
    }
}

extension HTTPRequest {
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var form: [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            fields[URIEncoding.decode(parts[0])] = parts.count > 1 ? URIEncoding.decode(parts[1]) : ""
        }
        return fields
    }
}
