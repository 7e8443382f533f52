import Foundation

/// Where a service is reached and which region its requests are signed for.
public struct ServiceEndpoint: Sendable, Equatable {
    /// `scheme://host[:port][/base/path]`, no trailing slash.
    public var url: URL
    public var signingRegion: String
    /// True when the endpoint came from configuration rather than AWS's own naming.
    public var isCustom: Bool

    public init(url: URL, signingRegion: String, isCustom: Bool) {
        self.url = url
        self.signingRegion = signingRegion
        self.isCustom = isCustom
    }

    public var scheme: String { url.scheme ?? "https" }
    public var host: String { url.host ?? "" }
    public var port: Int? { url.port }
    public var basePath: String {
        let path = url.path
        return path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// The `Host` header value: the port only when it is not the scheme's default (as HTTP clients send it).
    public func hostHeader() -> String { Self.hostHeader(for: url) }

    public static func hostHeader(for url: URL) -> String {
        let name = url.host ?? ""
        let scheme = url.scheme ?? "https"
        guard let port = url.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) else {
            return name
        }
        return "\(name):\(port)"
    }

    /// AWS's own endpoints, by the region's partition. IAM has one endpoint per partition
    /// (`iam.amazonaws.com` signing us-east-1, `iam.cn-north-1.amazonaws.com.cn` signing cn-north-1,
    /// `iam.us-gov.amazonaws.com` signing us-gov-west-1: AWS General Reference, IAM endpoints).
    public static func aws(service: String, region: String) -> ServiceEndpoint {
        let partition = AWSPartition(region: region)
        switch service {
        case "iam":
            return ServiceEndpoint(url: URL(string: "https://\(partition.iamHost)")!, signingRegion: partition.iamSigningRegion, isCustom: false)
        default:
            return ServiceEndpoint(url: URL(string: "https://\(service).\(region).\(partition.dnsSuffix)")!,
                                   signingRegion: region, isCustom: false)
        }
    }

    /// A configured endpoint (`AWS_ENDPOINT_URL`, an emulator): signs for the given region, except
    /// IAM, which always signs for us-east-1.
    public static func custom(_ url: URL, service: String, region: String) -> ServiceEndpoint {
        var text = url.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return ServiceEndpoint(url: URL(string: text) ?? url,
                               signingRegion: service == "iam" ? "us-east-1" : region, isCustom: true)
    }
}

/// The AWS partition a region belongs to: its ARN prefix, DNS suffix and global-service endpoints.
public struct AWSPartition: Sendable, Equatable {
    /// `aws`, `aws-cn` or `aws-us-gov`: the second field of an ARN.
    public let name: String
    public let dnsSuffix: String
    public let iamHost: String
    public let iamSigningRegion: String

    public init(region: String) {
        if region.hasPrefix("cn-") {
            self.init(name: "aws-cn", dnsSuffix: "amazonaws.com.cn", iamHost: "iam.cn-north-1.amazonaws.com.cn", iamSigningRegion: "cn-north-1")
        } else if region.hasPrefix("us-gov-") {
            self.init(name: "aws-us-gov", dnsSuffix: "amazonaws.com", iamHost: "iam.us-gov.amazonaws.com", iamSigningRegion: "us-gov-west-1")
        } else {
            self.init(name: "aws", dnsSuffix: "amazonaws.com", iamHost: "iam.amazonaws.com", iamSigningRegion: "us-east-1")
        }
    }

    private init(name: String, dnsSuffix: String, iamHost: String, iamSigningRegion: String) {
        self.name = name
        self.dnsSuffix = dnsSuffix
        self.iamHost = iamHost
        self.iamSigningRegion = iamSigningRegion
    }
}
