import Foundation

/// An error answer from an AWS service.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    public var service: String
    public var status: Int
    public var code: String
    public var message: String
    public var requestId: String?

    public init(service: String, status: Int, code: String, message: String, requestId: String? = nil) {
        self.service = service
        self.status = status
        self.code = code
        self.message = message
        self.requestId = requestId
    }

    public var description: String {
        "\(service) \(status) \(code): \(message)" + (requestId.map { " (request id \($0))" } ?? "")
    }

    /// Reads S3's `<Error>` and the query APIs' `<ErrorResponse><Error>` bodies. A body that is not
    /// XML (a proxy's HTML page, an empty HEAD answer) still yields an error named after the status.
    public static func parse(service: String, status: Int, body: Data, headers: [String: String] = [:]) -> AWSError {
        let headerRequestId = headers["x-amz-request-id"] ?? headers["x-amzn-requestid"]
        if let tree = try? XMLTree.parse(body) {
            let error = tree.name == "Error" ? tree : (tree.child("Error") ?? tree.descendant("Errors", "Error"))
            if let error, let code = error.value("Code"), !code.isEmpty {
                let requestId = error.value("RequestId") ?? tree.value("RequestId") ?? tree.value("RequestID")
                    ?? headerRequestId
                return AWSError(service: service, status: status, code: code.trimmed,
                                message: (error.value("Message") ?? "").trimmed, requestId: requestId?.trimmed)
            }
        }
        let text = String(decoding: body.prefix(512), as: UTF8.self).trimmed
        return AWSError(service: service, status: status, code: codeForStatus(status),
                        message: text.isEmpty ? HTTPStatusText.reason(status) : text, requestId: headerRequestId)
    }

    static func codeForStatus(_ status: Int) -> String {
        switch status {
        case 301: return "PermanentRedirect"
        case 307: return "TemporaryRedirect"
        case 400: return "BadRequest"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 409: return "Conflict"
        case 412: return "PreconditionFailed"
        case 429: return "TooManyRequests"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        default: return "HTTP\(status)"
        }
    }
}

/// A 2xx answer whose body did not have the expected shape.
public struct AWSResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var service: String
    public var action: String
    public var reason: String

    public var description: String { "\(service) \(action): unexpected response: \(reason)" }
}

enum HTTPStatusText {
    static func reason(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "HTTP status \(status)"
        }
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
