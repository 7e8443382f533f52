import CCurl
import Foundation

/// One request in flight: its easy handle's options and what libcurl hands back through the callbacks.
/// Only the loop thread touches it once it is submitted, except `cancelled` (under the client's lock).
final class Transfer: @unchecked Sendable {
    let request: CurlRequest
    let timeout: TimeInterval
    var continuation: CheckedContinuation<CurlResponse, Error>?
    var cancelled = false
    var handle: UnsafeMutableRawPointer?

    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
    private var receivedHeaders: [String: String] = [:]
    private var receivedBody = Data()

    init(request: CurlRequest, timeout: TimeInterval) {
        self.request = request
        self.timeout = timeout
        errorBuffer.initialize(to: 0)
    }

    deinit {
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// Sets the handle's options; the first failure's code, or CURLE_OK.
    func configure(_ handle: UnsafeMutableRawPointer) -> CURLcode {
        let context = Unmanaged.passUnretained(self).toOpaque()
        var codes = [
            ccurl_easy_setopt_string(handle, CURLOPT_URL, request.url.absoluteString),
            ccurl_easy_setopt_long(handle, CURLOPT_PATH_AS_IS, 1),
            ccurl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
            ccurl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000))),
            ccurl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer),
            ccurl_easy_setopt_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                guard let data, let context else { return 0 }
                Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue().receivedBody.append(
                    UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count)
                return size * count
            },
            ccurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context),
            ccurl_easy_setopt_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                guard let data, let context else { return 0 }
                let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
                Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue().receiveHeader(line)
                return size * count
            },
            ccurl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context),
        ]
        codes += setMethodAndBody(handle)
        headerList = Self.headerList(request, hasBody: sendsBody)
        codes.append(ccurl_easy_setopt_pointer(handle, CURLOPT_HTTPHEADER, headerList))
        return codes.first { $0 != CURLE_OK } ?? CURLE_OK
    }

    private var sendsBody: Bool { !request.body.isEmpty || ["PUT", "POST"].contains(request.method) }

    /// A body goes up from memory (libcurl keeps its own copy) under the request's own method.
    private func setMethodAndBody(_ handle: UnsafeMutableRawPointer) -> [CURLcode] {
        if request.method == "HEAD" { return [ccurl_easy_setopt_long(handle, CURLOPT_NOBODY, 1)] }
        guard sendsBody else {
            return [request.method == "GET" ? ccurl_easy_setopt_long(handle, CURLOPT_HTTPGET, 1)
                        : ccurl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)]
        }
        let size = ccurl_easy_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
        let body = request.body.isEmpty ? ccurl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
            : request.body.withUnsafeBytes { ccurl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
        return [size, body, ccurl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)]
    }

    /// The caller's headers, and none of libcurl's own defaults that the caller did not ask for: no
    /// `Accept: */*`, no form `Content-Type` on a body, no `Expect: 100-continue` (one more round trip).
    static func headerList(_ request: CurlRequest, hasBody: Bool) -> UnsafeMutablePointer<curl_slist>? {
        var lines: [String] = []
        var names: Set<String> = []
        for (name, value) in request.headers where !["content-length", "connection"].contains(name.lowercased()) {
            names.insert(name.lowercased())
            // "Name:" would remove the header: libcurl's way to send one with no value is "Name;".
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        if !names.contains("accept") { lines.append("Accept:") }
        if hasBody, !names.contains("content-type") { lines.append("Content-Type:") }
        if !names.contains("expect") { lines.append("Expect:") }
        return lines.reduce(nil) { curl_slist_append($0, $1) }
    }

    private func receiveHeader(_ line: String) {
        if line.hasPrefix("HTTP/") {
            receivedHeaders = [:]  // a new answer begins (after a 100 Continue, say)
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        receivedHeaders[name] = receivedHeaders[name].map { "\($0), \(value)" } ?? value
    }

    func response() -> CurlResponse {
        var status = 0
        if let handle { _ = ccurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status) }
        return CurlResponse(status: status, headers: receivedHeaders, body: receivedBody)
    }

    /// libcurl's own words for what went wrong (the error buffer), else the code's general text.
    func failureDetail(_ code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    func complete(_ result: Result<CurlResponse, Error>) {
        continuation?.resume(with: result)
        continuation = nil
    }
}
