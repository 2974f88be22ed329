import HTTPTypes
import Hummingbird
import PodlabCore
import PodlabDistribution
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

extension RegistryHandler {
    static let readChunk = 1 << 20

    /// GET/HEAD of a blob, whole or one `Range: bytes=a-b`.
    func getBlob(_ name: String, _ digest: Digest, _ request: Request, head: Bool) throws -> Response {
        guard let size = storage.blobSize(name, digest) else { throw RegistryFailure(.blobUnknown, digest.description) }
        var headers = baseHeaders()
        headers[.contentType] = "application/octet-stream"
        headers[.contentDigest] = digest.description
        headers[.eTag] = "\"\(digest)\""
        headers[.acceptRanges] = "bytes"
        var range: ClosedRange<Int64>? = nil
        if let text = request.headers[.range] {
            guard let parsed = Self.byteRange(text, size: size) else {
                headers[.contentRange] = "bytes */\(size)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            range = parsed
            headers[.contentRange] = "bytes \(parsed.lowerBound)-\(parsed.upperBound)/\(size)"
        }
        let start = range?.lowerBound ?? 0
        let length = range.map { $0.upperBound - $0.lowerBound + 1 } ?? size
        headers[.contentLength] = String(length)
        let status: HTTPResponse.Status = range == nil ? .ok : .partialContent
        if head { return Response(status: status, headers: headers) }
        let path = storage.blobPath(digest)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RegistryFailure(.blobUnknown, digest.description) }
        let file = OpenFile(fd)
        let body = ResponseBody(contentLength: Int(length)) { writer in
            var offset = start
            var remaining = length
            while remaining > 0 {
                let buffer = try file.read(at: offset, count: Int(min(remaining, Int64(Self.readChunk))), path: path)
                try await writer.write(buffer)
                offset += Int64(buffer.readableBytes)
                remaining -= Int64(buffer.readableBytes)
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// `bytes=a-b`, `bytes=a-` or `bytes=-n` within `size`; nil when not satisfiable.
    public static func byteRange(_ header: String, size: Int64) -> ClosedRange<Int64>? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            guard let suffix = Int64(last), suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        }
        guard let start = Int64(first), start < size else { return nil }
        if last.isEmpty { return start...(size - 1) }
        guard let end = Int64(last), end >= start else { return nil }
        return start...min(end, size - 1)
    }

    // MARK: Uploads

    /// POST …/blobs/uploads/: a cross-repository mount (`?mount=&from=`), a monolithic upload (`?digest=`),
    /// or the start of a chunked one.
    func startUpload(_ name: String, _ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        if let mount = parameters["mount"].map(String.init), let from = parameters["from"].map(String.init),
           let digest = try? Digest(parsing: mount), RegistryNames.isValidRepository(from),
           await mayPull(from, request), storage.blobSize(from, digest) != nil {
            try storage.link(digest, into: name)
            return blobCreated(name, digest)
        }
        let open = storage.openUploadCount()
        guard open < limits.maxOpenUploads else {
            throw RegistryFailure(.tooManyRequests, "\(open) uploads are open here: finish or cancel one first")
        }
        let id = try storage.startUpload(name)
        if let text = parameters["digest"].map(String.init) {
            let digest = try blobDigest(text)
            do {
                let (path, _) = try storage.upload(id, of: name)
                try await append(request, to: path)
                _ = try storage.finishUpload(id, of: name, digest: digest)
            } catch {
                // The client never learnt this upload's id: nobody else can cancel it.
                try? storage.cancelUpload(id, of: name)
                throw error
            }
            return blobCreated(name, digest)
        }
        return uploadResponse(name, id, size: 0, status: .accepted)
    }

    /// Whether the request's credentials allow pulling from `repository` (the source of a mount).
    func mayPull(_ repository: String, _ request: Request) async -> Bool {
        do {
            _ = try await access.authorize(.pull, repository: repository, authorization: request.headers[.authorization])
            return true
        } catch {
            return false
        }
    }

    /// PATCH: one more chunk. A `Content-Range` must start where the upload ends.
    func appendUpload(_ name: String, _ id: String, _ request: Request) async throws -> Response {
        let (path, size) = try storage.upload(id, of: name)
        if let range = request.headers[.contentRange] {
            let start = range.split(separator: "-").first.flatMap { Int64($0.filter(\.isNumber)) }
            guard start == size else {
                var headers = baseHeaders()
                headers[.range] = size > 0 ? "0-\(size - 1)" : "0-0"
                headers[.location] = "/v2/\(name)/blobs/uploads/\(id)"
                let body = (try? JSONCoding.encode(DistributionErrorBody(.rangeInvalid, detail: "the upload holds \(size) bytes"))) ?? []
                return json(body, headers: headers, status: .rangeNotSatisfiable)
            }
        }
        let newSize = try await appendOrCancel(request, to: path, upload: id, of: name)
        return uploadResponse(name, id, size: newSize, status: .accepted)
    }

    /// PUT …?digest=: the last chunk (maybe empty), then the upload becomes a verified blob.
    func finishUpload(_ name: String, _ id: String, _ request: Request) async throws -> Response {
        guard let text = request.uri.queryParameters["digest"].map(String.init) else {
            throw RegistryFailure(.digestInvalid, "the final PUT of an upload needs ?digest=")
        }
        let digest = try blobDigest(text)
        let (path, _) = try storage.upload(id, of: name)
        try await appendOrCancel(request, to: path, upload: id, of: name)
        _ = try storage.finishUpload(id, of: name, digest: digest)
        return blobCreated(name, digest)
    }

    /// `append`, and an upload that went past the size limit is cancelled: its data goes at once.
    @discardableResult
    func appendOrCancel(_ request: Request, to path: String, upload id: String, of name: String) async throws -> Int64 {
        do {
            return try await append(request, to: path)
        } catch let failure as RegistryFailure where failure.status == 413 {
            try? storage.cancelUpload(id, of: name)
            throw failure
        }
    }

    /// Appends a request body to an upload's data file; returns the new size. A body that would take the
    /// upload past `limits.maxUploadBytes` is refused (413) before it is read when its length is announced,
    /// else as soon as it gets there.
    @discardableResult
    func append(_ request: Request, to path: String) async throws -> Int64 {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", path: path, errno: errno) }
        let file = OpenFile(fd)
        var info = stat()
        guard fstat(file.fd, &info) == 0 else { throw SystemError("stat", path: path, errno: errno) }
        var size = Int64(info.st_size)
        if let announced = request.headers[.contentLength].flatMap({ Int64($0) }), size + announced > limits.maxUploadBytes {
            throw limits.tooLarge()
        }
        for try await buffer in request.body {
            size += Int64(buffer.readableBytes)
            guard size <= limits.maxUploadBytes else { throw limits.tooLarge() }
            try buffer.withUnsafeReadableBytes { bytes in try FileSystem.writeAll(fd: file.fd, bytes, path: path) }
        }
        guard fsync(file.fd) == 0 else { throw SystemError("sync", path: path, errno: errno) }
        guard fstat(file.fd, &info) == 0 else { throw SystemError("stat", path: path, errno: errno) }
        return Int64(info.st_size)
    }

    func uploadResponse(_ name: String, _ id: String, size: Int64, status: HTTPResponse.Status) -> Response {
        var headers = baseHeaders()
        headers[.location] = "/v2/\(name)/blobs/uploads/\(id)"
        headers[.range] = size > 0 ? "0-\(size - 1)" : "0-0"
        headers[.uploadUUID] = id
        headers[.contentLength] = "0"
        return Response(status: status, headers: headers)
    }

    func blobCreated(_ name: String, _ digest: Digest) -> Response {
        var headers = baseHeaders()
        headers[.location] = "/v2/\(name)/blobs/\(digest)"
        headers[.contentDigest] = digest.description
        headers[.contentLength] = "0"
        return Response(status: .created, headers: headers)
    }
}

/// A file descriptor closed when the last reference goes (response bodies outlive the handler).
final class OpenFile: Sendable {
    let fd: Int32

    init(_ fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    func read(at offset: Int64, count: Int, path: String) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(count)
        let got = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw -> Int in
            while true {
                let result = pread(fd, raw.baseAddress, count, off_t(offset))
                if result < 0 && errno == EINTR { continue }
                if result < 0 { throw SystemError("read", path: path, errno: errno) }
                return result
            }
        }
        guard got > 0 else { throw SystemError("read", path: path, errno: EIO) }
        return buffer
    }
}
