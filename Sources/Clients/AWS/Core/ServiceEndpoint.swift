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

    /// The `Host` header value: the port only when it is not the scheme's default (as URLSession sends it).
    public func hostHeader() -> String { Self.hostHeader(for: url) }

    public static func hostHeader(for url: URL) -> String {
        let name = url.host ?? ""
        let scheme = url.scheme ?? "https"
        guard let port = url.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) else {
            return name
        }
        return "\(name):\(port)"
    }

    /// AWS's own endpoints. IAM is global and signs for us-east-1.
    public static func aws(service: String, region: String) -> ServiceEndpoint {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        switch service {
        case "iam":
            return ServiceEndpoint(url: URL(string: "https://iam.\(suffix)")!,
                                   signingRegion: region.hasPrefix("cn-") ? "cn-north-1" : "us-east-1", isCustom: false)
        default:
            return ServiceEndpoint(url: URL(string: "https://\(service).\(region).\(suffix)")!,
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
