import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import PodlabCore
import PodlabDistribution
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// `podman push`: each blob the registry lacks is mounted from another repository of the same registry
/// when the image came from one, else uploaded — in one PUT, or in PATCH chunks when larger than
/// `chunkSize` — then the manifest is put and the digest the registry answers is checked against ours.
public struct ImagePush: Sendable {
    public let session: RegistrySession
    public let store: ImageStore
    public let image: ImageRecord
    /// The tag (or digest) to put the manifest under.
    public let reference: String
    /// Repositories of the same registry the image is known under (cross-repository mount sources).
    public var mountSources: [String] = []
    public var chunkSize: Int = 16 << 20

    public init(session: RegistrySession, store: ImageStore, image: ImageRecord, reference: String) {
        self.session = session
        self.store = store
        self.image = image
        self.reference = reference
    }

    /// Pushes and returns the manifest's digest.
    public func run(progress: @escaping @Sendable (TransferEvent) -> Void) async throws -> Digest {
        try await session.ping()
        let manifestBytes = try store.blobs.read(image.manifest.digest)
        let manifest = try JSONCoding.decode(Manifest.self, from: manifestBytes, what: "manifest")
        progress(.started)
        for layer in manifest.layers {
            try await pushBlob(layer, progress: progress)
        }
        progress(.config(manifest.config.digest))
        try await pushBlob(manifest.config, progress: { _ in })
        progress(.writingManifest)
        return try await putManifest(manifestBytes, mediaType: manifest.mediaType ?? image.manifest.mediaType)
    }

    func pushBlob(_ blob: Descriptor, progress: @escaping @Sendable (TransferEvent) -> Void) async throws {
        let repository = session.endpoint.repository
        let exists: Bool
        do { exists = try await session.blobExists(blob.digest) } catch let error as RegistryClientError {
            throw error.prefixed("trying to reuse blob \(blob.digest) at destination")
        }
        progress(.blob(blob.digest, size: blob.size, present: exists))
        if exists { return }
        var uploadLocation: String?
        for source in mountSources where source != repository {
            let response = try await session.send(.POST, "/v2/\(repository)/blobs/uploads/?mount=\(blob.digest)&from=\(source)",
                                                  scopes: [RegistrySession.scope(repository, push: true), RegistrySession.scope(source, push: false)])
            _ = try? await response.body.collect(upTo: 1 << 16)
            if response.status == .created {
                progress(.blobDone(blob.digest))
                return
            }
            if response.status == .accepted, let location = response.headers["Location"].first {
                uploadLocation = location
                break
            }
        }
        let location: String
        if let uploadLocation { location = uploadLocation } else { location = try await startUpload() }
        let path = store.blobs.path(for: blob.digest)
        if blob.size <= Int64(chunkSize) {
            try await finish(location, digest: blob.digest, body: { .bytes(try Self.read(path, offset: 0, count: Int(blob.size))) })
        } else {
            var current = location
            var offset: Int64 = 0
            while offset < blob.size {
                let count = Int(min(Int64(chunkSize), blob.size - offset))
                let start = offset
                let response = try await session.send(.PATCH, absolute(current),
                                                      headers: [("Content-Type", "application/octet-stream"),
                                                                ("Content-Range", "\(start)-\(start + Int64(count) - 1)"),
                                                                ("Content-Length", String(count))],
                                                      scopes: [RegistrySession.scope(repository, push: true)],
                                                      body: { .bytes(try Self.read(path, offset: start, count: count)) })
                guard response.status == .accepted, let next = response.headers["Location"].first else {
                    throw RegistryClientError("writing blob \(blob.digest) to \(session.endpoint.displayRepository): \(await RegistrySession.errorSummary(response))")
                }
                _ = try? await response.body.collect(upTo: 1 << 16)
                current = next
                offset += Int64(count)
                progress(.bytes(blob.digest, done: offset, total: blob.size))
            }
            try await finish(current, digest: blob.digest, body: nil)
        }
        progress(.blobDone(blob.digest))
    }

    func startUpload() async throws -> String {
        let repository = session.endpoint.repository
        let response = try await session.send(.POST, "/v2/\(repository)/blobs/uploads/", headers: [("Content-Length", "0")],
                                              scopes: [RegistrySession.scope(repository, push: true)])
        guard response.status == .accepted, let location = response.headers["Location"].first else {
            throw RegistryClientError("initiating layer upload to \(session.endpoint.displayRepository): \(await RegistrySession.errorSummary(response))",
                                      hint: response.status.code == 401 || response.status.code == 403 ? "log in first (podman login \(session.endpoint.registryName)), and push to your own namespace" : nil)
        }
        _ = try? await response.body.collect(upTo: 1 << 16)
        return location
    }

    func finish(_ location: String, digest: Digest, body: RegistrySession.BodyMaker?) async throws {
        let url = absolute(location)
        let separator = url.contains("?") ? "&" : "?"
        let response = try await session.send(.PUT, url + separator + "digest=\(digest)",
                                              headers: [("Content-Type", "application/octet-stream")],
                                              scopes: [RegistrySession.scope(session.endpoint.repository, push: true)], body: body)
        guard response.status == .created else {
            throw RegistryClientError("writing blob \(digest) to \(session.endpoint.displayRepository): \(await RegistrySession.errorSummary(response))")
        }
        _ = try? await response.body.collect(upTo: 1 << 16)
    }

    func putManifest(_ bytes: [UInt8], mediaType: String) async throws -> Digest {
        let repository = session.endpoint.repository
        let response = try await session.send(.PUT, "/v2/\(repository)/manifests/\(reference)",
                                              headers: [("Content-Type", mediaType)],
                                              scopes: [RegistrySession.scope(repository, push: true)],
                                              body: { .bytes(ByteBuffer(bytes: bytes)) })
        let local = Digest.sha256(of: bytes)
        guard response.status == .created || response.status == .ok else {
            throw RegistryClientError("writing manifest to \(session.endpoint.displayRepository): \(await RegistrySession.errorSummary(response))")
        }
        if let answered = response.headers[DistributionHeader.contentDigest].first, let digest = try? Digest(parsing: answered), digest != local {
            throw RegistryClientError("the registry stored the manifest as \(digest), podlab sent \(local)",
                                      hint: "the registry changed the manifest; the pushed image may not be the one you have")
        }
        return local
    }

    /// A Location header made absolute against the registry.
    func absolute(_ location: String) -> String {
        location.hasPrefix("http") ? location : session.baseURL + (location.hasPrefix("/") ? "" : "/") + location
    }

    static func read(_ path: String, offset: Int64, count: Int) throws -> ByteBuffer {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("read", path: path, errno: errno) }
        defer { close(fd) }
        var buffer = ByteBuffer()
        var done = 0
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: max(count, 1)) { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            while done < count {
                let got = pread(fd, base + done, count - done, off_t(offset) + off_t(done))
                if got < 0 && errno == EINTR { continue }
                if got < 0 { throw SystemError("read", path: path, errno: errno) }
                if got == 0 { throw SystemError("read", path: path, errno: EIO) }
                done += got
            }
            return count
        }
        return buffer
    }
}
