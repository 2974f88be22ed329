import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// Container records and each container's directory (`containers/<id>/`: overlay upper, work and mount point, the
/// log). Records live in two lists: `containers.json` for the containers that stay until removed, synced through a
/// power loss; `volatile-containers.json` for `--rm` ones, never synced, as podman keeps them (they mean nothing after
/// a reboot, and a short `run --rm` would otherwise wait on a dozen syncs). Changes take `containers.lock` and replace
/// a list atomically, as the image store does.
public final class ContainerStore: @unchecked Sendable {
    public let root: String
    let indexPath: String
    let volatileIndexPath: String
    let lock: FileLock

    public init(storage: String) throws {
        root = "\(storage)/containers"
        try StoreAccess.prepare(root)
        indexPath = "\(root)/containers.json"
        volatileIndexPath = "\(root)/volatile-containers.json"
        lock = try FileLock(path: "\(root)/containers.lock")
    }

    public func directory(of id: String) -> String { "\(root)/\(id)" }
    /// Where `create` makes a container's directory and locks it before renaming it into place (`addClaimed`).
    func stagingDirectory(of id: String) -> String { "\(root)/\(id)\(Self.stagingSuffix)" }
    static let stagingSuffix = ".new"
    public func logPath(of id: String) -> String { "\(root)/\(id)/ctr.log" }

    /// Every container, with the state of running ones checked against the process table.
    public func all() throws -> [ContainerRecord] {
        let (kept, volatile) = try readLists()
        return Self.merged(kept, volatile).map(ContainerStore.checked)
    }

    /// A container by name, full id or id prefix.
    public func find(_ query: String) throws -> ContainerRecord {
        guard let record = try lookup(query) else { throw RuntimeError.noSuchContainer(query) }
        return record
    }

    /// The container `query` names, or nil when there is none; a list that cannot be read is an error, not "none".
    public func lookup(_ query: String) throws -> ContainerRecord? {
        RecordLookup.find(query, in: try all(), name: \.name, id: \.id, shortestPrefix: 3)
    }

    /// Changes the records under the lock; each list is written back only if its records changed.
    func mutate<T>(_ body: (inout [ContainerRecord]) throws -> T) throws -> T {
        try lock.lock(.exclusive)
        defer { lock.unlock() }
        return try mutateLocked(body)
    }

    /// `mutate` for a caller that holds the lock.
    private func mutateLocked<T>(_ body: (inout [ContainerRecord]) throws -> T) throws -> T {
        let (kept, volatile) = try readLists()
        var records = Self.merged(kept, volatile)
        let result = try body(&records)
        let nowKept = records.filter { !$0.settings.autoRemove }
        let nowVolatile = records.filter { $0.settings.autoRemove }
        // The volatile list first: a kill between the two writes leaves a moved record in both lists (read once),
        // never in neither.
        if nowVolatile != volatile {
            try write(nowVolatile, to: volatileIndexPath, durability: .volatile)
        }
        if nowKept != kept {
            try write(nowKept, to: indexPath, durability: .synced)
        }
        return result
    }

    /// Runs `body` with every record while no list can change (`store check`'s view of the directories beside them).
    func withListsLocked<T>(_ body: ([ContainerRecord]) throws -> T) throws -> T {
        try lock.lock(.exclusive)
        defer { lock.unlock() }
        let (kept, volatile) = try readLists()
        return try body(Self.merged(kept, volatile))
    }

    /// A container id as `newID` makes them: 64 lowercase hex digits (the name of its directory).
    static func isID(_ name: String) -> Bool {
        name.utf8.count == 64 && name.utf8.allSatisfy(Digest.isLowerHexByte)
    }

    /// Both lists as stored. A volatile list left empty by a power loss holds nothing; any other damage is an error.
    func readLists() throws -> (kept: [ContainerRecord], volatile: [ContainerRecord]) {
        (try readList(indexPath, volatile: false), try readList(volatileIndexPath, volatile: true))
    }

    private func readList(_ path: String, volatile: Bool) throws -> [ContainerRecord] {
        guard let bytes = try FileSystem.readFileIfPresent(path) else { return [] }
        if bytes.isEmpty && volatile { return [] }
        return try RuntimeError.decodeStored(ContainerIndexFile.self, from: bytes, path: path, holds: volatile
            ? "the --rm containers it names (their files stay in \(root)/<id> until, after a reboot, 'podlab store check --repair' deletes them)"
            : "every container it names, except --rm ones (their files stay in \(root)/<id>)").containers
    }

    private func write(_ records: [ContainerRecord], to path: String, durability: FileSystem.Durability) throws {
        try FileSystem.writeAtomically(try JSONCoding.encode(ContainerIndexFile(containers: records)), to: path, mode: 0o600,
                                       durability: durability)
    }

    /// One list in the order the containers were made; a record in both lists (a kill while it moved) once, as the
    /// volatile list has it, which is written first and so is the newer.
    static func merged(_ kept: [ContainerRecord], _ volatile: [ContainerRecord]) -> [ContainerRecord] {
        var seen = Set<String>()
        return (volatile + kept).filter { seen.insert($0.id).inserted }.enumerated()
            .sorted { ($0.element.created, $0.offset) < ($1.element.created, $1.offset) }.map(\.element)
    }

    /// Adds a container, refusing a name already in use.
    public func add(_ record: ContainerRecord) throws {
        try add(record) {}
    }

    /// Adds a container, then runs `then` before the lists are unlocked; when `then` fails, the record goes again
    /// before they are. `create` makes the container's directory there (`ContainerEngine.addClaimed`): whoever
    /// finds a listed record without its directory, and asks again under the lock (`directoryExists`), knows that
    /// the directory will not come.
    func add<T>(_ record: ContainerRecord, then: () throws -> T) throws -> T {
        try lock.lock(.exclusive)
        defer { lock.unlock() }
        try mutateLocked { records in
            if let clash = records.first(where: { $0.name == record.name }) {
                throw RuntimeError.nameInUse(name: record.name, id: clash.id)
            }
            records.append(record)
        }
        do {
            return try then()
        } catch {
            try? mutateLocked { records in records.removeAll { $0.id == record.id } }
            throw error
        }
    }

    /// Whether a listed container's directory is there, asked under the lists' lock: false means it will not come
    /// (no create is between its record and its directory); nil, that the container is no longer listed.
    func directoryExists(ofListed id: String) throws -> Bool? {
        try withListsLocked { records in
            guard records.contains(where: { $0.id == id }) else { return nil }
            return FileSystem.exists(directory(of: id))
        }
    }

    /// Changes a container's state; returns the changed record (nil when it is gone).
    @discardableResult
    public func update(_ id: String, _ body: (inout ContainerState) -> Void) throws -> ContainerRecord? {
        try mutate { records in
            guard let index = records.firstIndex(where: { $0.id == id }) else { return nil }
            body(&records[index].state)
            return records[index]
        }
    }

    /// Deletes a container's directory, then forgets it (never a directory without its record, see
    /// `ContainerEngine.unrecordedContainerDirectories`).
    public func remove(_ id: String) throws {
        try FileSystem.removeTree(directory(of: id))
        try mutate { records in records.removeAll { $0.id == id } }
    }

    /// Ids of the containers made from an image (they keep it from being removed). A list that cannot be read is an
    /// error, not "no users": an image is never removed from under containers podlab could not see.
    public func users(of image: Digest) throws -> [String] {
        try all().filter { $0.imageID == image }.map(\.id)
    }

    /// A running record whose process is gone (its monitor was killed, or the machine restarted) is exited.
    static func checked(_ record: ContainerRecord) -> ContainerRecord {
        guard record.state.status == .running else { return record }
        if let pid = record.state.pid, let started = record.state.pidStartTime, ProcessInfoReader.startTime(of: pid) == started {
            return record
        }
        var copy = record
        copy.state.status = .exited
        return copy
    }

    /// A fresh 64-hex container id.
    public static func newID() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 32) }
            close(fd)
        } else {
            for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        }
        return Digest.sha256(of: bytes).hex
    }

    static let adjectives = ["brave", "calm", "clever", "eager", "gentle", "happy", "jolly", "keen", "lucid", "merry",
                             "nimble", "proud", "quiet", "quick", "sharp", "sunny", "tidy", "vivid", "witty", "zealous"]
    static let nouns = ["ant", "badger", "crane", "dolphin", "eagle", "falcon", "gecko", "heron", "ibis", "jaguar",
                        "koala", "lynx", "marmot", "newt", "otter", "panda", "quail", "raven", "seal", "tapir"]

    /// A name like podman's generated ones (`brave_otter`), not yet in use.
    public func generateName() -> String {
        let used = Set(((try? all()) ?? []).map(\.name))
        for _ in 0..<100 {
            let name = "\(ContainerStore.adjectives.randomElement() ?? "calm")_\(ContainerStore.nouns.randomElement() ?? "otter")"
            if !used.contains(name) { return name }
        }
        return "container_\(UInt32.random(in: 0...UInt32.max))"
    }
}

/// Facts about processes from /proc.
public enum ProcessInfoReader {
    /// Field 22 of /proc/PID/stat: when the process started (clock ticks since boot).
    public static func startTime(of pid: Int32) -> UInt64? {
        guard let bytes = try? FileSystem.readFile("/proc/\(pid)/stat") else { return nil }
        return startTime(stat: bytes)
    }

    /// The start time in the text of a `stat` file; nil for a process that has finished (a zombie).
    static func startTime(stat bytes: [UInt8]) -> UInt64? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command come the state (field 3) … starttime (field 22). A zombie (nobody reaped it
        // because its monitor is gone) has finished.
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return UInt64(fields[19])
    }
}
