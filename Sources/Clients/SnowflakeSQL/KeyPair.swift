import Crypto
import _CryptoExtras
import Foundation

public enum PrivateKeyError: Error, CustomStringConvertible, Equatable {
    case unreadable(String)
    case passphraseRequired
    case wrongPassphrase
    case unsupported(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .unreadable(let why): return "the private key cannot be read: \(why)"
        case .passphraseRequired: return "the private key is encrypted and no passphrase was given"
        case .wrongPassphrase: return "the private key's passphrase is wrong (or the key is corrupt)"
        case .unsupported(let what): return "the private key uses \(what), which infra does not support (use PBES2 with PBKDF2 and AES-CBC, openssl's default)"
        case .malformed(let why): return "the private key is malformed: \(why)"
        }
    }
}

/// An RSA key for Snowflake's keypair authentication. Its description never shows key material.
public struct SnowflakeKeyPair: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let privateKey: _RSA.Signing.PrivateKey

    /// `SHA256:` + base64 of the SHA-256 of the public key's DER SubjectPublicKeyInfo, as Snowflake
    /// shows it in `DESC USER … RSA_PUBLIC_KEY_FP` and expects in the JWT's `iss`.
    public let publicKeyFingerprint: String

    public init(privateKey: _RSA.Signing.PrivateKey) {
        self.privateKey = privateKey
        publicKeyFingerprint = "SHA256:" + Data(SHA256.hash(data: privateKey.publicKey.derRepresentation)).base64EncodedString()
    }

    /// Reads a PEM key: `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` (PKCS#1) or `ENCRYPTED PRIVATE KEY`
    /// (PKCS#8 with PBES2, which needs `passphrase`).
    public init(pem: String, passphrase: String? = nil) throws {
        if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            guard let passphrase, !passphrase.isEmpty else { throw PrivateKeyError.passphraseRequired }
            let der = try Self.pemBody(pem, label: "ENCRYPTED PRIVATE KEY")
            let plain = try EncryptedPrivateKeyInfo.decrypt(der, passphrase: passphrase)
            do { self.init(privateKey: try _RSA.Signing.PrivateKey(unsafeDERRepresentation: plain)) } catch {
                throw PrivateKeyError.wrongPassphrase
            }
            return
        }
        do {
            self.init(privateKey: try _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem))
        } catch {
            throw PrivateKeyError.unreadable("expected a PEM RSA private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)")
        }
    }

    public init(file path: String, passphrase: String? = nil) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PrivateKeyError.unreadable("no readable file at \(path)")
        }
        try self.init(pem: text, passphrase: passphrase)
    }

    /// A new 2048-bit key written to `path` as unencrypted PKCS#8 PEM readable by its owner only (0600), as
    /// `openssl genrsa 2048 | openssl pkcs8 -topk8 -nocrypt` makes it; folders are created. A file already there is
    /// kept (O_EXCL: two commands making the same key at once end with one key, not a mix).
    public static func generate(at path: String) throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { return }
            throw PrivateKeyError.unreadable("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let pem = Array(key.pkcs8PEMRepresentation.utf8)
        guard pem.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == pem.count else {
            throw PrivateKeyError.unreadable("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// RS256 (RSASSA-PKCS1-v1_5 with SHA-256), the only algorithm Snowflake accepts for keypair JWTs.
    func signRS256(_ message: Data) throws -> Data {
        try privateKey.signature(for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5).rawRepresentation
    }

    public var description: String { "SnowflakeKeyPair(\(publicKeyFingerprint))" }
    public var debugDescription: String { description }

    static func pemBody(_ pem: String, label: String) throws -> Data {
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        guard let start = pem.range(of: begin), let stop = pem.range(of: end, range: start.upperBound..<pem.endIndex) else {
            throw PrivateKeyError.malformed("no \(label) block")
        }
        let body = pem[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: String(body)) else { throw PrivateKeyError.malformed("bad base64 in the PEM block") }
        return der
    }
}

/// PKCS#8 EncryptedPrivateKeyInfo with PBES2 (PBKDF2 + AES-CBC): what `openssl pkcs8 -topk8 -v2 aes256`
/// and Snowflake's key-pair guide produce.
enum EncryptedPrivateKeyInfo {
    static let pbes2 = "1.2.840.113549.1.5.13"
    static let pbkdf2 = "1.2.840.113549.1.5.12"
    static let prfs: [String: KDF.Insecure.PBKDF2.HashFunction] = [
        "1.2.840.113549.2.7": .insecureSHA1, "1.2.840.113549.2.9": .sha256,
        "1.2.840.113549.2.10": .sha384, "1.2.840.113549.2.11": .sha512,
    ]
    static let ciphers: [String: Int] = [
        "2.16.840.1.101.3.4.1.2": 16, "2.16.840.1.101.3.4.1.22": 24, "2.16.840.1.101.3.4.1.42": 32,
    ]

    static func decrypt(_ der: Data, passphrase: String) throws -> Data {
        guard let outer = try DERNode.parseAll(der).first else { throw PrivateKeyError.malformed("empty key") }
        let info = try outer.children()
        guard info.count == 2, info[1].tag == DERNode.octetString else { throw PrivateKeyError.malformed("not an EncryptedPrivateKeyInfo") }
        let algorithm = try info[0].children()
        guard try algorithm[0].objectIdentifier() == pbes2, algorithm.count == 2 else {
            throw PrivateKeyError.unsupported("an encryption scheme other than PBES2")
        }
        let parameters = try algorithm[1].children()
        let kdf = try parameters[0].children(), scheme = try parameters[1].children()
        guard try kdf[0].objectIdentifier() == pbkdf2 else { throw PrivateKeyError.unsupported("a key derivation other than PBKDF2") }
        let kdfParameters = try kdf[1].children()
        let salt = kdfParameters[0].content
        let rounds = try kdfParameters[1].integer()
        var prf = KDF.Insecure.PBKDF2.HashFunction.insecureSHA1  // RFC 8018's default
        for node in kdfParameters.dropFirst(2) where node.tag == DERNode.sequence {
            let oid = try node.children()[0].objectIdentifier()
            guard let known = prfs[oid] else { throw PrivateKeyError.unsupported("the PBKDF2 PRF \(oid)") }
            prf = known
        }
        let cipherOID = try scheme[0].objectIdentifier()
        guard let keyLength = ciphers[cipherOID], scheme.count == 2, scheme[1].tag == DERNode.octetString else {
            throw PrivateKeyError.unsupported("the cipher \(cipherOID)")
        }
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Data(passphrase.utf8), salt: salt, using: prf,
                                                    outputByteCount: keyLength, unsafeUncheckedRounds: rounds)
        do {
            return try AES._CBC.decrypt(info[1].content, using: key, iv: try AES._CBC.IV(ivBytes: scheme[1].content))
        } catch {
            throw PrivateKeyError.wrongPassphrase  // bad padding is how a wrong passphrase shows
        }
    }
}
