import NIOCore
import NIOHTTP1
import PodlabCore
import PodlabDistribution
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// What a transfer reports as it goes, for podman's progress lines.
public enum TransferEvent: Sendable {
    /// The source is there and the copy begins (podman's `Getting image source signatures`).
    case started
    /// A blob's turn: its digest and size, and whether the other side has it already.
    case blob(Digest, size: Int64, present: Bool)
    case bytes(Digest, done: Int64, total: Int64)
    case blobDone(Digest)
    case config(Digest)
    case writingManifest
}

/// `podman pull` over the distribution protocol: manifest (an index is resolved to this host's platform),
/// config, then the missing layers, several at once, each verified while it streams; then the store
/// imports the image. Until the import lists the image nothing is visible, and a failure leaves only
/// scratch files that garbage collection removes.
public struct ImagePull: Sendable {
    public let session: RegistrySession
    public let store: ImageStore
    public let reference: ImageReference
    public var parallelDownloads = 3

    public init(session: RegistrySession, store: ImageStore, reference: ImageReference) {
        self.session = session
        self.store = store
        self.reference = reference
    }

    public func run(progress: @escaping @Sendable (TransferEvent) -> Void) async throws -> (ImageRecord, TransferTimes) {
        var times = TransferTimes()
        let clock = ContinuousClock()
        let start = clock.now
        try await session.ping()
        let (manifestBytes, manifestDigest) = try await fetchImageManifest()
        let manifest = try JSONCoding.decode(Manifest.self, from: manifestBytes, what: "manifest")
        let configBytes = try await session.fetchSmallBlob(manifest.config)
        progress(.started)

        try store.beginIngest()
        defer { store.endIngest() }
        let configPath = try store.temporaryPath()
        try FileSystem.writeAtomically(configBytes, to: configPath)
        defer { unlink(configPath) }

        var missing: [Descriptor] = []
        for layer in manifest.layers {
            let present = store.hasBlob(layer.digest)
            progress(.blob(layer.digest, size: layer.size, present: present))
            if !present && !missing.contains(where: { $0.digest == layer.digest }) { missing.append(layer) }
        }
        let hashing = try await downloadAll(missing, progress: progress)
        times.bytes = missing.reduce(0) { $0 + $1.size }
        times.verify = hashing
        times.transfer = clock.now - start - hashing

        progress(.config(manifest.config.digest))
        progress(.writingManifest)
        let unpackStart = clock.now
        let record = try store.importImage(manifestBytes: manifestBytes, expectedDigest: manifestDigest,
                                           source: FetchedConfig(path: configPath, digest: manifest.config.digest),
                                           names: [reference])
        times.unpack = clock.now - unpackStart
        return (record, times)
    }

    /// Downloads blobs, `parallelDownloads` at a time, into the store. Returns the time spent hashing.
    func downloadAll(_ blobs: [Descriptor], progress: @escaping @Sendable (TransferEvent) -> Void) async throws -> Duration {
        var hashing = Duration.zero
        try await withThrowingTaskGroup(of: Duration.self) { group in
            var pending = blobs[...]
            func startNext() throws {
                guard let blob = pending.popFirst() else { return }
                let path = try store.temporaryPath()
                group.addTask {
                    do {
                        let spent = try await session.download(blob, to: path) { progress(.bytes(blob.digest, done: $0, total: blob.size)) }
                        try store.adoptVerifiedBlob(path, digest: blob.digest)
                        progress(.blobDone(blob.digest))
                        return spent
                    } catch {
                        unlink(path)
                        throw error
                    }
                }
            }
            for _ in 0..<parallelDownloads { try startNext() }
            while let spent = try await group.next() {
                hashing += spent
                try startNext()
            }
        }
        return hashing
    }

    /// The image manifest for this host: fetched by tag or digest, and through an index if it is one.
    func fetchImageManifest() async throws -> ([UInt8], Digest) {
        let wanted: String = reference.digest?.description ?? reference.tag ?? ImageReference.defaultTag
        var (bytes, mediaType) = try await fetchManifest(wanted, expected: reference.digest)
        var digest = Digest.sha256(of: bytes)
        if MediaType.indexes.contains(mediaType) || isIndex(bytes) {
            let index = try JSONCoding.decode(ImageIndex.self, from: bytes, what: "image index")
            guard let chosen = Self.choose(from: index.manifests, for: .host) else {
                let offered = index.manifests.compactMap { $0.platform.map { "\($0.os)/\($0.architecture)" } }.joined(separator: ", ")
                throw RegistryClientError("choosing an image from manifest list docker://\(reference): no image found in manifest list for architecture \(Platform.host.architecture), variant \"\", OS linux",
                                          hint: offered.isEmpty ? nil : "this image is built for: \(offered)")
            }
            (bytes, mediaType) = try await fetchManifest(chosen.digest.description, expected: chosen.digest)
            digest = chosen.digest
        }
        guard MediaType.manifests.contains(mediaType) || (!isIndex(bytes) && mediaType.hasPrefix("application/json")) else {
            throw RegistryClientError("reading manifest \(wanted) in \(session.endpoint.displayRepository): unsupported manifest type \(mediaType)",
                                      hint: "podlab reads OCI and Docker v2 schema 2 images")
        }
        return (bytes, digest)
    }

    func isIndex(_ bytes: [UInt8]) -> Bool {
        struct Probe: Decodable { var manifests: [Descriptor]? }
        return (try? JSONCoding.decode(Probe.self, from: bytes, what: "manifest"))?.manifests != nil
    }

    func fetchManifest(_ reference: String, expected: Digest?) async throws -> ([UInt8], String) {
        let endpoint = session.endpoint
        let response = try await session.send(.GET, "/v2/\(endpoint.repository)/manifests/\(reference)",
                                              headers: [("Accept", DistributionHeader.manifestAccept.joined(separator: ", "))],
                                              scopes: [RegistrySession.scope(endpoint.repository, push: false)])
        guard response.status == .ok else {
            let summary = await RegistrySession.errorSummary(response)
            throw RegistryClientError("reading manifest \(reference) in \(endpoint.displayRepository): \(summary)",
                                      hint: Self.hint(status: response.status.code, endpoint: endpoint))
        }
        let bytes = try await RegistrySession.collect(response, limit: ManifestCheck.maximumSize,
                                                      what: "manifest \(reference) in \(endpoint.displayRepository)")
        let digest = Digest.sha256(of: bytes)
        if let expected, expected != digest {
            throw RegistryClientError("reading manifest \(reference) in \(endpoint.displayRepository): its content hashes to \(digest)",
                                      hint: "the registry's copy is damaged or was tampered with; nothing was stored")
        }
        let type = response.headers["Content-Type"].first.map { String($0.prefix { $0 != ";" }) } ?? ""
        struct Probe: Decodable { var mediaType: String? }
        let declared = (try? JSONCoding.decode(Probe.self, from: bytes, what: "manifest"))?.mediaType
        return (bytes, declared ?? type)
    }

    static func hint(status: UInt, endpoint: RegistryEndpoint) -> String? {
        switch status {
        case 401: return "log in first: podman login \(endpoint.registryName)"
        case 404 where endpoint.isSandbox:
            return "the sandbox registry has no such image: 'podlab registry images' lists what it holds"
        case 404: return "check the image's name and tag"
        default: return nil
        }
    }

    /// The manifest for `platform` in an index (an exact variant match preferred).
    static func choose(from manifests: [Descriptor], for platform: Platform) -> Descriptor? {
        let candidates = manifests.filter { $0.platform?.os == platform.os && $0.platform?.architecture == platform.architecture }
        return candidates.first { $0.platform?.variant == platform.variant } ?? candidates.first
    }
}

/// The config blob fetched ahead of the import; layers are in the store already.
struct FetchedConfig: BlobSource {
    let path: String
    let digest: Digest

    func file(for descriptor: Descriptor) throws -> String {
        guard descriptor.digest == digest else {
            throw RegistryClientError("internal: blob \(descriptor.digest) was not downloaded before the import")
        }
        return path
    }
}
