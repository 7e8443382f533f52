import Foundation
import InfraEngine
import CZlib

/// `s3_put`: a fixture file (relative to the project) or inline content, optionally gzipped on the way.
public struct S3PutTaskExecutor: TaskExecutor {
    let connect: @Sendable () async throws -> any S3ObjectOperations
    let projectRoot: String

    public init(projectRoot: String, connect: @escaping @Sendable () async throws -> any S3ObjectOperations) {
        self.projectRoot = projectRoot
        self.connect = connect
    }

    public func run(_ task: ResolvedTask) async throws -> TaskOutput {
        let body = task.body.mapValue ?? [:]
        guard let bucket = body["bucket"]?.stringValue, let key = body["key"]?.stringValue else {
            throw TaskFailure("an s3_put task needs bucket and key")
        }
        var data: Data
        if let file = body["file"]?.stringValue {
            let path = file.hasPrefix("/") ? file : "\(projectRoot)/\(file)"
            guard let contents = FileManager.default.contents(atPath: path) else { throw TaskFailure("no file at \(path)") }
            data = contents
        } else if let content = body["content"]?.stringValue {
            data = Data(content.utf8)
        } else {
            throw TaskFailure("an s3_put task needs `file` or `content`")
        }
        let gzip = body["gzip"]?.boolValue == true
        if gzip { data = try Gzip.compress(data) }
        try await connect().putObject(bucket, key: key, body: data, contentType: gzip ? "application/gzip" : nil, contentEncoding: nil)
        return TaskOutput(summary: "put s3://\(bucket)/\(key) (\(data.count) bytes\(gzip ? ", gzipped" : ""))",
                          values: ["bytes": .int(data.count), "key": .string(key)])
    }
}

/// `s3_wait`: a sensor, like Airflow's S3KeySensor: pokes until a key (or anything under a prefix) exists.
public struct S3WaitTaskExecutor: TaskExecutor {
    let connect: @Sendable () async throws -> any S3ObjectOperations

    public init(connect: @escaping @Sendable () async throws -> any S3ObjectOperations) { self.connect = connect }

    public func run(_ task: ResolvedTask) async throws -> TaskOutput {
        let body = task.body.mapValue ?? [:]
        guard let bucket = body["bucket"]?.stringValue else { throw TaskFailure("an s3_wait task needs bucket") }
        let key = body["key"]?.stringValue, prefix = body["prefix"]?.stringValue
        guard key != nil || prefix != nil else { throw TaskFailure("an s3_wait task needs key or prefix") }
        let interval = body["poke_interval"]?.number ?? 5
        let timeout = body["timeout"]?.number ?? 300
        let started = Date()
        var pokes = 0
        while true {
            pokes += 1
            // A client per poke: a long wait outlives temporary credentials, which the connection refreshes.
            let s3 = try await connect()
            if let key {
                if try await s3.objectExists(bucket, key: key) {
                    return TaskOutput(summary: "s3://\(bucket)/\(key) is there (\(pokes) poke\(pokes == 1 ? "" : "s"))", values: ["pokes": .int(pokes)])
                }
            } else if let prefix {
                let keys = try await s3.listKeys(bucket, prefix: prefix, limit: 1000)
                if !keys.isEmpty {
                    return TaskOutput(summary: "\(keys.count)\(keys.count == 1000 ? "+" : "") object(s) under s3://\(bucket)/\(prefix)",
                                      values: ["objects": .int(keys.count), "pokes": .int(pokes)])
                }
            }
            guard Date().timeIntervalSince(started) + interval <= timeout else {
                throw TaskFailure("nothing at s3://\(bucket)/\(key ?? prefix ?? "") after \(Int(timeout))s (\(pokes) pokes)")
            }
            try await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
        }
    }
}

/// `s3_delete`: one key, or everything under a prefix (paged, batched).
public struct S3DeleteTaskExecutor: TaskExecutor {
    let connect: @Sendable () async throws -> any S3ObjectOperations

    public init(connect: @escaping @Sendable () async throws -> any S3ObjectOperations) { self.connect = connect }

    public func run(_ task: ResolvedTask) async throws -> TaskOutput {
        let body = task.body.mapValue ?? [:]
        guard let bucket = body["bucket"]?.stringValue else { throw TaskFailure("an s3_delete task needs bucket") }
        let s3 = try await connect()
        var deleted = 0
        if let key = body["key"]?.stringValue {
            try await s3.deleteKeys(bucket, [key])
            deleted = 1
        } else if let prefix = body["prefix"]?.stringValue, !prefix.isEmpty {
            while true {
                let keys = try await s3.listKeys(bucket, prefix: prefix, limit: 1000)
                if keys.isEmpty { break }
                try await s3.deleteKeys(bucket, keys)
                deleted += keys.count
            }
        } else {
            throw TaskFailure("an s3_delete task needs key or a non-empty prefix")
        }
        return TaskOutput(summary: "deleted \(deleted) object\(deleted == 1 ? "" : "s")", values: ["deleted": .int(deleted)])
    }
}

extension Value {
    var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}

/// gzip (RFC 1952) through zlib, which Foundation already links on Linux.
enum Gzip {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func compress(_ data: Data) throws -> Data {
        var stream = z_stream()
        // windowBits 15 + 16 asks zlib for a gzip header and trailer.
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw Failure(description: "gzip: init failed") }
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, uLong(data.count))) + 32)
        let status: Int32 = data.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(data.count)
                stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw Failure(description: "gzip: deflate failed (\(status))") }
        output.count = Int(stream.total_out)
        return output
    }
}
