import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// Making a container: its record, then its directory under its start lock, then what it needs to start (secrets,
/// hosts file, copied-up volumes, spec); undone whole when a step fails.
extension ContainerEngine {
    /// Records a new container (status created).
    public func create(image: ImageRecord, imageName: String, settings: ContainerSettings, name: String?) throws -> ContainerRecord {
        let id = ContainerStore.newID()
        var settings = settings
        if settings.hostname.isEmpty { settings.hostname = String(id.prefix(12)) }
        SessionNetwork.place(&settings)
        let record = ContainerRecord(id: id, name: name ?? containers.generateName(), imageID: image.id,
                                     imageName: imageName, created: WallClock.now(), settings: settings, state: ContainerState())
        let directory = containers.directory(of: record.id)
        let rootfs = image.topLayer.map { images.layers.path(for: $0) }
        // A member holds its pod until it is named in the pod's hosts file (`PodStore.hold`), so that a `pod rm` at the
        // same moment either removes it too or comes first (no such pod, 125): never a member left in a removed pod.
        let pod = try settings.pod.map { try pods.find($0) }
        let podHold = try pod.flatMap { try pods.hold($0, .shared) }
        defer { podHold?.unlock() }
        let claim = try addClaimed(record)
        defer { claim.unlock() }
        do {
            try storeSecrets(settings.secrets ?? [], in: directory, durability: settings.durability)
            try ContainerHosts.write(for: record, in: directory)
            // An empty volume takes what the image holds where it is mounted (podman's copy-up).
            for mount in settings.volumes {
                guard let name = mount.volumeName, let rootfs else { continue }
                try volumes.copyUp(name, from: rootfs, at: mount.destination)
            }
            try ContainerSpec.resolve(record, lowerDirectory: rootfs, locations: locations, containerDirectory: directory).save(in: directory)
            // A pod's member is named in the pod's hosts file, which the other members see at once.
            if let pod, settings.infra != true { try addMember(record, to: pod) }
        } catch {
            // Half a container is none: nothing of it stays listed (the start lock is held).
            try? removeUnclaimed(record, anonymousVolumes: false)
            throw error
        }
        journal.record(JournalEvent(type: "container", status: "create", id: record.id, name: record.name, image: imageName))
        return record
    }

    /// Writes a new container's record, then makes its directory already holding its start lock
    /// (`ContainerMonitor.start`), for the caller to hold until the container is whole and to release. Without it a
    /// removal (`container prune`) or a start that found the record could take the directory from under `create`, or
    /// launch a container half made. The directory is made and locked under a name nobody looks for (`<id>.new`) and
    /// renamed into place, so it never exists unlocked; and all of it happens before the lists are unlocked
    /// (`ContainerStore.add(_:then:)`), so a start or removal that finds the record first and waits for the directory
    /// can tell a create in flight from one that was killed (`startClaim`). The record comes first: a kill between the
    /// two leaves a record without its directory, which `rm` clears, never a directory no record names (at most an
    /// empty `<id>.new`, which `store check --repair` sweeps).
    func addClaimed(_ record: ContainerRecord) throws -> FileLock {
        let staging = containers.stagingDirectory(of: record.id)
        return try containers.add(record) {
            do {
                try StoreAccess.prepare(staging)
                let claim = try FileLock(directory: staging)
                try claim.lock(.exclusive)
                guard rename(staging, containers.directory(of: record.id)) == 0 else { throw SystemError("rename", path: staging, errno: errno) }
                return claim
            } catch {
                try? FileSystem.removeTree(staging)   // the error to report is the one above
                throw error
            }
        }
    }
}
