import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import PodlabCore
import PodlabDistribution
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// Time spent in each part of a transfer, for `--log-level=debug`-style reports and the benchmarks.
public struct TransferTimes: Sendable {
    public var transfer: Duration = .zero
    public var verify: Duration = .zero
    public var unpack: Duration = .zero
    public var bytes: Int64 = 0

    public init() {}
}

extension RegistrySession {
    /// Downloads a blob into `path`, hashing while it streams: refused as soon as it grows past the size
    /// the manifest gave, and at the end unless size and digest match. Follows a redirect (to a CDN)
    /// without sending credentials along. Returns the time spent hashing.
    public func download(_ descriptor: Descriptor, to path: String, progress: @Sendable (Int64) -> Void) async throws -> Duration {
        let what = "blob \(descriptor.digest)"
        let response = try await getBlob(descriptor.digest)
        guard response.status == .ok else {
            throw RegistryClientError("reading \(what) from \(endpoint.displayRepository): \(await Self.errorSummary(response))")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("create", path: path, errno: errno) }
        defer { close(fd) }
        var hasher = SHA256Hasher()
        var hashing = Duration.zero
        let clock = ContinuousClock()
        for try await buffer in response.body {
            guard hasher.byteCount + Int64(buffer.readableBytes) <= descriptor.size else {
                throw RegistryClientError("reading \(what) from \(endpoint.displayRepository): the registry sent more than the \(descriptor.size) bytes the manifest gives",
                                          hint: "the registry's copy is damaged or was tampered with; nothing was stored")
            }
            try buffer.withUnsafeReadableBytes { bytes in
                hashing += clock.measure { hasher.update(bytes) }
                try FileSystem.writeAll(fd: fd, bytes, path: path)
            }
            progress(hasher.byteCount)
        }
        guard hasher.byteCount == descriptor.size else {
            throw RegistryClientError("reading \(what) from \(endpoint.displayRepository): got \(hasher.byteCount) bytes, the manifest says \(descriptor.size)",
                                      hint: "the download was cut short or the registry's copy is damaged; nothing was stored — try again")
        }
        let digest = hasher.finalize()
        guard digest == descriptor.digest else {
            throw RegistryClientError("reading \(what) from \(endpoint.displayRepository): its content hashes to \(digest)",
                                      hint: "the registry's copy is damaged or was tampered with; nothing was stored")
        }
        guard fsync(fd) == 0 else { throw SystemError("sync", path: path, errno: errno) }
        return hashing
    }

    /// GET of a blob, following up to five redirects (registries send blobs from a CDN) without sending
    /// credentials along; the answer's body is the caller's to read.
    func getBlob(_ digest: Digest) async throws -> HTTPClientResponse {
        var response = try await send(.GET, "/v2/\(endpoint.repository)/blobs/\(digest)",
                                      scopes: [Self.scope(endpoint.repository, push: false)])
        var hops = 0
        while [301, 302, 303, 307, 308].contains(response.status.code), let location = response.headers["Location"].first, hops < 5 {
            _ = try? await response.body.collect(upTo: 1 << 16)
            var request = HTTPClientRequest(url: location.hasPrefix("/") ? baseURL + location : location)
            request.method = .GET
            response = try await execute(request, deadline: .minutes(60))
            hops += 1
        }
        return response
    }

    /// A body of at most `limit` bytes; a larger one is refused with the learner's words, not NIO's.
    static func collect(_ response: HTTPClientResponse, limit: Int, what: String) async throws -> [UInt8] {
        do {
            return Array(buffer: try await response.body.collect(upTo: limit))
        } catch is NIOTooManyBytesError {
            throw RegistryClientError("\(what) is larger than the \(limit) bytes podlab accepts",
                                      hint: "this is not a container image podlab can use, or the registry answers with something else")
        }
    }

    /// A small blob (an image config) in memory, verified.
    public func fetchSmallBlob(_ descriptor: Descriptor, limit: Int = 4 << 20) async throws -> [UInt8] {
        guard descriptor.size <= Int64(limit) else {
            throw RegistryClientError("the image config \(descriptor.digest) claims \(descriptor.size) bytes; podlab reads up to \(limit)")
        }
        let response = try await getBlob(descriptor.digest)
        guard response.status == .ok else {
            throw RegistryClientError("reading blob \(descriptor.digest) from \(endpoint.displayRepository): \(await Self.errorSummary(response))")
        }
        let bytes = try await Self.collect(response, limit: limit + 1, what: "blob \(descriptor.digest)")
        guard Int64(bytes.count) == descriptor.size, Digest.sha256(of: bytes) == descriptor.digest else {
            throw RegistryClientError("reading blob \(descriptor.digest) from \(endpoint.displayRepository): the content does not match its digest",
                                      hint: "the registry's copy is damaged or was tampered with; nothing was stored")
        }
        return bytes
    }

    /// HEAD of a blob in the repository: true when the registry has it.
    public func blobExists(_ digest: Digest) async throws -> Bool {
        let response = try await send(.HEAD, "/v2/\(endpoint.repository)/blobs/\(digest)",
                                      scopes: [Self.scope(endpoint.repository, push: true)])
        switch response.status.code {
        case 200: return true
        case 404: return false
        default:
            throw RegistryClientError("checking whether a blob \(digest) exists in \(endpoint.displayRepository): \(await Self.errorSummary(response))")
        }
    }
}
