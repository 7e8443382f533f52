import Foundation

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for one service in one region.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"

    public var credentials: SigningCredentials
    public var region: String
    public var service: String
    public var rules: SigningRules

    public init(credentials: SigningCredentials, region: String, service: String, rules: SigningRules = .generic) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.rules = rules
    }

    public func scope(_ date: SigningDate) -> String { "\(date.day)/\(region)/\(service)/aws4_request" }

    /// Adds `X-Amz-Date`, the session token and (S3) `x-amz-content-sha256`, then the `Authorization` header.
    public func sign(_ request: SigV4Request, date: Date) -> SignedRequest {
        sign(request, at: SigningDate(date))
    }

    public func sign(_ request: SigV4Request, at date: SigningDate) -> SignedRequest {
        var request = request
        request.setHeader("X-Amz-Date", date.timestamp)
        let token = credentials.sessionToken
        if let token, rules.sessionToken == .signed, request.headerValues("X-Amz-Security-Token").isEmpty {
            request.headers.append(HTTPHeader("X-Amz-Security-Token", token))
        }
        let payloadHash = request.payload.hash
        if rules.addsContentSHA256Header {
            request.setHeader("x-amz-content-sha256", payloadHash)
        }
        let headers = Canonical.headers(request.headers)
        let canonicalRequest = canonicalRequest(request, headers: headers, payloadHash: payloadHash)
        let stringToSign = stringToSign(canonicalRequest, date)
        let signature = signature(stringToSign, date)
        let authorization = "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope(date)), "
            + "SignedHeaders=\(headers.signed), Signature=\(signature)"
        if let token, rules.sessionToken == .addedAfterSigning, request.headerValues("X-Amz-Security-Token").isEmpty {
            request.headers.append(HTTPHeader("X-Amz-Security-Token", token))
        }
        request.headers.append(HTTPHeader("Authorization", authorization))
        return SignedRequest(request: request, canonicalRequest: canonicalRequest, stringToSign: stringToSign,
                             signature: signature, authorization: authorization)
    }

    /// Query-string signing: the `X-Amz-*` parameters go in the query and only the given headers
    /// (at least `Host`) are signed. S3 presigned URLs pass `payload: .unsigned`.
    public func presign(_ request: SigV4Request, date: Date, expires: Int) -> PresignedRequest {
        presign(request, at: SigningDate(date), expires: expires)
    }

    public func presign(_ request: SigV4Request, at date: SigningDate, expires: Int) -> PresignedRequest {
        var request = request
        let headers = Canonical.headers(request.headers)
        request.query += [
            QueryParameter("X-Amz-Algorithm", Self.algorithm),
            QueryParameter("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope(date))"),
            QueryParameter("X-Amz-Date", date.timestamp),
            QueryParameter("X-Amz-Expires", String(expires)),
            QueryParameter("X-Amz-SignedHeaders", headers.signed),
        ]
        if let token = credentials.sessionToken {
            request.query.append(QueryParameter("X-Amz-Security-Token", token))
        }
        let payloadHash = request.payload.hash
        let canonicalRequest = canonicalRequest(request, headers: headers, payloadHash: payloadHash)
        let stringToSign = stringToSign(canonicalRequest, date)
        let signature = signature(stringToSign, date)
        request.query.append(QueryParameter("X-Amz-Signature", signature))
        return PresignedRequest(request: request, canonicalRequest: canonicalRequest, stringToSign: stringToSign,
                                signature: signature)
    }

    /// Method, path, query, headers, signed header names and payload hash, one per line, per the rules in force.
    func canonicalRequest(_ request: SigV4Request, headers: (canonical: String, signed: String), payloadHash: String) -> String {
        [request.method, Canonical.path(request.path, rules: rules), Canonical.query(request.query),
         headers.canonical, headers.signed, payloadHash].joined(separator: "\n")
    }

    func stringToSign(_ canonicalRequest: String, _ date: SigningDate) -> String {
        [Self.algorithm, date.timestamp, scope(date), Hex.sha256(canonicalRequest)].joined(separator: "\n")
    }

    func signature(_ stringToSign: String, _ date: SigningDate) -> String {
        let dateKey = Hex.hmac(key: Data("AWS4\(credentials.secretAccessKey)".utf8), date.day)
        let regionKey = Hex.hmac(key: dateKey, region)
        let serviceKey = Hex.hmac(key: regionKey, service)
        let signingKey = Hex.hmac(key: serviceKey, "aws4_request")
        return Hex.encode(Hex.hmac(key: signingKey, stringToSign))
    }
}

/// The signed request and every intermediate artefact, so each step can be checked.
public struct SignedRequest: Sendable {
    /// The input plus `X-Amz-Date`, the token, `x-amz-content-sha256` (S3) and `Authorization`.
    public let request: SigV4Request
    public let canonicalRequest: String
    public let stringToSign: String
    public let signature: String
    public let authorization: String
}

public struct PresignedRequest: Sendable {
    /// The input with the `X-Amz-*` query parameters, `X-Amz-Signature` last.
    public let request: SigV4Request
    public let canonicalRequest: String
    public let stringToSign: String
    public let signature: String

    /// The query string to append to the URL, encoded the way it was signed.
    public var queryString: String {
        request.query.map { "\(URIEncoding.encode($0.name))=\(URIEncoding.encode($0.value))" }
            .joined(separator: "&")
    }
}
