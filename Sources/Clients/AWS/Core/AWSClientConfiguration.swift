import Foundation
import SigV4

/// Everything a client needs: who signs, where requests go, and how patiently.
public struct AWSClientConfiguration: Sendable {
    public var credentials: SigningCredentials
    public var region: String
    /// An endpoint for every service (`AWS_ENDPOINT_URL`, or an explicit emulator URL).
    public var endpointURL: URL?
    /// Per-service endpoints keyed by `s3`, `iam`, `sts`, …; they win over `endpointURL`.
    public var serviceEndpointURLs: [String: URL]
    public var s3Addressing: S3Addressing
    /// Per-attempt timeout.
    public var timeout: TimeInterval
    public var retryPolicy: RetryPolicy
    /// Shared by every client made from this configuration, as the SDKs share one per client.
    public var retryBudget: SharedRetryBudget
    public var transport: any HTTPTransport

    public init(credentials: SigningCredentials, region: String, endpointURL: URL? = nil,
                serviceEndpointURLs: [String: URL] = [:], s3Addressing: S3Addressing = .automatic,
                timeout: TimeInterval = 30, retryPolicy: RetryPolicy = .default,
                retryBudget: SharedRetryBudget = SharedRetryBudget(),
                transport: any HTTPTransport = CurlTransport()) {
        self.credentials = credentials
        self.region = region
        self.endpointURL = endpointURL
        self.serviceEndpointURLs = serviceEndpointURLs
        self.s3Addressing = s3Addressing
        self.timeout = timeout
        self.retryPolicy = retryPolicy
        self.retryBudget = retryBudget
        self.transport = transport
    }

    public func endpoint(for service: String) -> ServiceEndpoint {
        if let url = serviceEndpointURLs[service] ?? endpointURL {
            return .custom(url, service: service, region: region)
        }
        return .aws(service: service, region: region)
    }
}
