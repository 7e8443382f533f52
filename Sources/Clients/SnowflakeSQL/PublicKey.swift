import Crypto
import _CryptoExtras
import Foundation

/// An RSA public key as a user's `RSA_PUBLIC_KEY` takes it: the base64 body of a DER SubjectPublicKeyInfo
/// (docs: user-guide/key-pair-auth), given as PEM (`BEGIN PUBLIC KEY`) or as the bare body.
public struct SnowflakePublicKey: Sendable, Equatable {
    /// The base64 body with no header lines or whitespace, as `ALTER USER … SET RSA_PUBLIC_KEY` takes it.
    public let body: String
    /// `SHA256:` + base64 of the SHA-256 of the DER, as `DESC USER` shows it in `RSA_PUBLIC_KEY_FP`.
    public let fingerprint: String

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case notBase64
        case notRSA
        public var description: String {
            switch self {
            case .notBase64: return "the public key is neither PEM (BEGIN PUBLIC KEY) nor a base64 key body"
            case .notRSA: return "the public key is not an RSA public key (SubjectPublicKeyInfo)"
            }
        }
    }

    public init(text: String) throws {
        var lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        lines.removeAll { $0.isEmpty || $0.hasPrefix("-----") }
        let body = lines.joined().filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: body) else { throw Problem.notBase64 }
        guard (try? _RSA.Signing.PublicKey(derRepresentation: der)) != nil else { throw Problem.notRSA }
        self.body = body
        fingerprint = "SHA256:" + Data(SHA256.hash(data: der)).base64EncodedString()
    }

    /// The public key of a key file: a PEM public key, or an unencrypted private key (PKCS#8 or PKCS#1) whose
    /// public half is taken. The private key is read and dropped; nothing of it is kept.
    public init(keyFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PrivateKeyError.unreadable("no readable file at \(path)")
        }
        if text.contains("PRIVATE KEY-----") {
            let key = try SnowflakeKeyPair(pem: text)
            try self.init(text: key.privateKey.publicKey.derRepresentation.base64EncodedString())
        } else {
            try self.init(text: text)
        }
    }
}
