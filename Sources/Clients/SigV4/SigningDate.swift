import Foundation

/// The two date forms SigV4 uses: `20150830T123600Z` and the scope's `20150830`.
public struct SigningDate: Sendable, Equatable {
    public let timestamp: String
    public var day: String { String(timestamp.prefix(8)) }

    public init(_ date: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let digits = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        timestamp = pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "T"
            + pad(c.hour, 2) + pad(c.minute, 2) + pad(c.second, 2) + "Z"
    }

    /// Parses `yyyyMMdd'T'HHmmss'Z'`; nil when malformed.
    public init?(timestamp: String) {
        let digits = timestamp.filter(\.isNumber)
        guard timestamp.count == 16, digits.count == 14,
              timestamp.dropFirst(8).first == "T", timestamp.last == "Z" else { return nil }
        self.timestamp = timestamp
    }

    public var date: Date? {
        let t = Array(timestamp)
        func number(_ range: Range<Int>) -> Int? { Int(String(t[range])) }
        var components = DateComponents()
        components.year = number(0..<4)
        components.month = number(4..<6)
        components.day = number(6..<8)
        components.hour = number(9..<11)
        components.minute = number(11..<13)
        components.second = number(13..<15)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)
    }
}
