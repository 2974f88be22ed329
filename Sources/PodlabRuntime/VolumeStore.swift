import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// A named (or anonymous) volume: a directory that outlives the containers that mount it.
public struct VolumeRecord: Codable, Hashable, Sendable {
    public var name: String
    public var driver = "local"
    public var created: Double
    public var labels: [String: String] = [:]
    public var options: [String: String] = [:]
    /// Made for an image's VOLUME or `-v /path` without a name; `podman rm -v` removes it with its container.
    public var anonymous = false
    /// Still empty: the first container to mount it copies the image's content at the mount point in (podman's copy-up).
    public var needsCopyUp = true
}

/// Volumes under `<storage>/volumes/<name>/`: `volume.json` and the data in `_data`, as podman lays them out.
/// Creating and removing take `volumes.lock`; the data belongs to the containers' root (the user, rootless).
public final class VolumeStore: @unchecked Sendable {
    public let root: String
    let mapping: IDMapping

    /// Touches nothing: the directory and its lock are made by the first change.
    public init(storage: String, mapping: IDMapping) {
        root = "\(storage)/volumes"
        self.mapping = mapping
    }

    /// Runs a change under `volumes.lock`, the store directory made private first.
    func locked<T>(_ change: () throws -> T) throws -> T {
        try StoreAccess.prepare(root)
        let lock = try FileLock(path: "\(root)/volumes.lock")
        try lock.lock(.exclusive)
        defer { lock.unlock() }
        return try change()
    }

    public func dataPath(of name: String) -> String { "\(root)/\(name)/_data" }
    func recordPath(of name: String) -> String { "\(root)/\(name)/volume.json" }

    /// podman's rule for volume names.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, Self.isAlphanumeric(first) else { return false }
        return name.utf8.allSatisfy { Self.isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    package static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }

    /// The volume named `name`, or nil when there is none. A record that cannot be read is an error, not "none": a
    /// create on that guess would record the volume afresh, its labels and options gone.
    public func get(_ name: String) throws -> VolumeRecord? {
        let path = recordPath(of: name)
        // A volume is a directory; `volumes.lock` beside them has a valid name too.
        guard Self.isValidName(name), FileSystem.isDirectory("\(root)/\(name)"), let bytes = try FileSystem.readFileIfPresent(path) else {
            return nil
        }
        return try RuntimeError.decodeStored(VolumeRecord.self, from: bytes, path: path, holds: "the volume's labels and options "
                                             + "('podman volume create \(name)' then records it again, its files as they are)")
    }

    /// Every volume, by name.
    public func all() throws -> [VolumeRecord] {
        try FileSystem.list(root).filter(Self.isValidName).compactMap { try get($0) }.sorted { $0.name < $1.name }
    }

    /// A new volume (`name` nil: a random 64-hex name, as podman). Throws `RuntimeError.volumeExists` for a taken name.
    /// `copyUp: false` for a volume whose content podlab writes itself (a kube ConfigMap's): no image content is
    /// copied into it even while it is empty.
    @discardableResult
    public func create(_ name: String?, labels: [String: String] = [:], options: [String: String] = [:], anonymous: Bool = false,
                       copyUp: Bool = true) throws -> VolumeRecord {
        let name = name ?? ContainerStore.newID()
        guard Self.isValidName(name) else { throw RuntimeError.invalidVolumeName(name) }
        return try locked {
            var record = VolumeRecord(name: name, created: WallClock.now(), labels: labels, options: options, anonymous: anonymous)
            record.needsCopyUp = copyUp
            return try make(record)
        }
    }

    private func make(_ record: VolumeRecord) throws -> VolumeRecord {
        if try get(record.name) != nil { throw RuntimeError.volumeExists(record.name) }
        try StoreAccess.prepare("\(root)/\(record.name)")
        try makeData(of: record.name)
        try save(record)
        return record
    }

    /// An empty `_data`, owned by root in the container: the user rootless, the shifted root id as root.
    private func makeData(of name: String) throws {
        let data = dataPath(of: name)
        try FileSystem.createDirectory(data, mode: 0o755)
        if Locations.isRoot, let owner = mapping.host(for: 0), chown(data, owner, owner) != 0 {
            throw SystemError("change the owner of", path: data, errno: errno)
        }
    }

    /// Empties a volume's data, files a container made under other ids too (through a user namespace, as `remove`
    /// does), and leaves `_data` as `create` made it: for content podlab writes again itself.
    public func resetData(of name: String) throws {
        guard try get(name) != nil else { throw RuntimeError.noSuchVolume(name) }
        try locked {
            try ContainerCleanup.removeDirectory(dataPath(of: name), mapping: mapping)
            try makeData(of: name)
        }
    }

    /// The named volume, made on first use (`-v NAME:/path`); `made` is true when this call created it.
    public func ensure(_ name: String) throws -> (record: VolumeRecord, made: Bool) {
        if let existing = try get(name) { return (existing, false) }
        do {
            return (try create(name), true)
        } catch RuntimeError.volumeExists(_) {
            if let existing = try get(name) { return (existing, false) }
            return (try create(name), true)
        }
    }

    func save(_ record: VolumeRecord) throws {
        try FileSystem.writeAtomically(try JSONCoding.encode(record), to: recordPath(of: record.name), mode: 0o600)
    }

    /// Copies what the image holds at `destination` into an empty volume, once (podman's copy-up). The path is
    /// walked inside `rootfs` without following symbolic links, so an image cannot make it copy a host directory.
    public func copyUp(_ name: String, from rootfs: String, at destination: String) throws {
        try locked { try copyUpLocked(name, from: rootfs, at: destination) }
    }

    private func copyUpLocked(_ name: String, from rootfs: String, at destination: String) throws {
        guard var record = try get(name), record.needsCopyUp else { return }
        record.needsCopyUp = false
        let data = dataPath(of: name)
        if FileSystem.list(data).isEmpty, let source = Self.openInside(rootfs, destination) {
            defer { close(source) }
            try SnapshotCopier.copyContents(of: source, into: data)
        }
        try save(record)
    }

    /// An O_RDONLY descriptor of the directory `path` inside `rootfs`, every component opened with O_NOFOLLOW;
    /// nil when it is missing, not a directory, or reached through a symbolic link.
    static func openInside(_ rootfs: String, _ path: String) -> Int32? {
        var current = open(rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard current >= 0 else { return nil }
        for component in path.split(separator: "/") where component != "." {
            guard component != ".." else { close(current); return nil }
            let next = openat(current, String(component), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            close(current)
            guard next >= 0 else { return nil }
            current = next
        }
        return current
    }

    /// Deletes a volume and its data (files of other ids in the data, rootless, through a user namespace).
    public func remove(_ name: String) throws {
        guard try get(name) != nil else { throw RuntimeError.noSuchVolume(name) }
        try locked { try ContainerCleanup.removeDirectory("\(root)/\(name)", mapping: mapping) }
    }
}
