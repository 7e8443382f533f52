import Crypto
import Foundation

enum Hex {
    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func sha256(_ data: Data) -> String { encode(SHA256.hash(data: data)) }
    static func sha256(_ string: String) -> String { sha256(Data(string.utf8)) }

    static func hmac(key: some ContiguousBytes, _ message: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: key)))
    }
}

/// Public helpers for callers that hash payloads themselves (e.g. `x-amz-content-sha256`, `Content-MD5`).
public enum PayloadHash {
    public static func sha256Hex(_ data: Data) -> String { Hex.sha256(data) }
    public static func md5Base64(_ data: Data) -> String {
        Data(Insecure.MD5.hash(data: data)).base64EncodedString()
    }
}
