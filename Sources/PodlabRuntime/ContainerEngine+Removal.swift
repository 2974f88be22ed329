import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Removing a container. Every removal (`rm`, `rm -f`, `container prune`, `pod rm`, `rmi -f`, `volume rm -f`, a build
/// step's container, a failed `run --rm`) takes the container's start lock (`ContainerMonitor.start`) and decides on
/// the record read under it: a start that took the lock first has the container running by then (which `rm` refuses
/// and -f stops), and a start that comes after finds no such container. Without it a start could read "created", the
/// removal delete the record and files, and the start launch the container all the same. A --rm container's own
/// monitor removes it without the lock (a start may hold it while it waits for that monitor); `create` undoing half a
/// container holds it already (`addClaimed`). `pod rm` takes all its containers' locks at once (`removeTogether`).
extension ContainerEngine {
    /// Stops a container if it runs, then removes it: the -f of `rm`, `rmi` and `volume rm`. A container gone
    /// meanwhile (a --rm container's monitor removes it as it stops) leaves nothing to do.
    public func removeStopping(_ record: ContainerRecord, timeout: Int, anonymousVolumes: Bool = false) throws {
        do {
            try withStartClaim(of: record) { current in
                _ = try stop(current, timeout: timeout)
                guard let stopped = try containers.lookup(record.id) else { return }
                try removeUnclaimed(stopped, anonymousVolumes: anonymousVolumes)
            }
        } catch RuntimeError.noSuchContainer {
            return
        }
    }

    /// Forgets a container that is not running and deletes its files; with `anonymousVolumes` (`rm -v`) also the
    /// volumes made for it alone, which a --rm container's always take with them (`removeUnclaimed`). A container
    /// started since the caller read it is running: refused.
    public func remove(_ record: ContainerRecord, anonymousVolumes: Bool = false) throws {
        try withStartClaim(of: record) { current in
            guard current.state.status != .running else { throw RuntimeError.running(id: current.id) }
            try removeUnclaimed(current, anonymousVolumes: anonymousVolumes)
        }
    }

    /// Removes `records` (a pod's containers, in `pod rm`'s order) all or none: every one's start lock is taken, in
    /// the order of their ids (so that two such removals never wait for each other), and each record settled under
    /// it; when one runs (a member started since the caller read the pod), none is removed and that one is named.
    /// Removed one by one, the members newer than a started one went and the pod was left half there. The locks are
    /// held until the end, each monitor of an ended run waited for (at most 30 s each) meanwhile.
    func removeTogether(_ records: [ContainerRecord]) throws {
        var claims: [FileLock] = []
        defer { for claim in claims { claim.unlock() } }
        var settledRecords: [String: ContainerRecord] = [:]
        for record in records.sorted(by: { $0.id < $1.id }) {
            do {
                if let claim = try removalClaim(of: record) { claims.append(claim) }
                settledRecords[record.id] = try settled(record)
            } catch RuntimeError.noSuchContainer {
                continue
            }
        }
        let current = records.compactMap { settledRecords[$0.id] }
        if let running = current.first(where: { $0.state.status == .running }) { throw RuntimeError.running(id: running.id) }
        for record in current { try removeUnclaimed(record, anonymousVolumes: true) }
    }

    /// The removal itself, for a caller that holds the start lock, the container's own monitor, or `create`. A --rm
    /// container's anonymous volumes go with it whoever removes it: a prune between a `run --rm`'s create and its start
    /// left them behind, named by nothing the learner typed.
    func removeUnclaimed(_ record: ContainerRecord, anonymousVolumes: Bool) throws {
        // Again here: at the end of the container an exec's waiting process may still have held its cgroups.
        CgroupLimits.remove(id: record.id)
        try ContainerCleanup.removeDirectory(containers.directory(of: record.id), mapping: mapping)
        try containers.remove(record.id)
        journal.record(JournalEvent(type: "container", status: "remove", id: record.id, name: record.name, image: record.imageName))
        guard anonymousVolumes || record.settings.autoRemove else { return }
        for mount in record.settings.volumes where mount.anonymous == true {
            guard let name = mount.volumeName, try users(ofVolume: name).isEmpty else { continue }
            try? volumes.remove(name)
        }
    }

    /// `body` with the container's start lock held, given its record as read under the lock once the monitor of its
    /// previous run has ended (no such container when it has gone meanwhile). A record left without its directory (a
    /// crash between the two removals) has nothing a start could lock or launch: it is given to `body` unlocked, so
    /// that `rm` can still clear it.
    private func withStartClaim(of record: ContainerRecord, _ body: (ContainerRecord) throws -> Void) throws {
        let claim = try removalClaim(of: record)
        defer { claim?.unlock() }
        try body(try settled(record))
    }

    /// The container's start lock for a removal, or nil for a record left without its directory (a kill between the
    /// two steps of a removal or a create): nothing could lock or launch it, and it must still be removable.
    private func removalClaim(of record: ContainerRecord) throws -> FileLock? {
        do {
            return try ContainerMonitor.startClaim(of: record, engine: self)
        } catch RuntimeError.filesGone {
            return nil
        }
    }

    /// The record once no monitor of an ended run is left (a --rm container's removes the container itself, and two
    /// removals at once would each find the other's half done), or running. With the start lock held nothing starts
    /// it again, so a container that ends between the two reads is waited for on the second round.
    private func settled(_ record: ContainerRecord) throws -> ContainerRecord {
        while true {
            if let ended = try ContainerMonitor.afterPreviousRun(of: record, engine: self) { return ended }
            guard let current = try containers.lookup(record.id) else { throw RuntimeError.noSuchContainer(record.name) }
            if current.state.status == .running { return current }
        }
    }
}
