import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// A container directory (`containers/<id>/`) that no record names: left by a power loss that took the never-synced
/// list of `--rm` containers but not their files, by a list moved aside, or by an older podlab. One made before the
/// current boot belongs to no running container and no command in flight; one made since may (a list moved aside
/// while its container runs, a removal between its record and its directory).
public struct UnrecordedContainerDirectory: Sendable, Equatable {
    public var path: String
    /// What the directory's own spec says: true for a `--rm` container, false for a kept one, nil when the spec is
    /// missing or unreadable.
    public var autoRemove: Bool?
    /// Last changed before the system booted (so no container of this boot uses it).
    public var madeBeforeBoot: Bool

    /// Only a `--rm` container's files from before this boot go without a person deciding: nobody can need them,
    /// while a kept container's come back with its list.
    public var removable: Bool { autoRemove == true && madeBeforeBoot }

    public var description: String {
        switch autoRemove {
        case true?: madeBeforeBoot ? "the files of a --rm container" : "the files of a --rm container of this boot (it may still run)"
        case false?: "the files of a kept container"
        case nil: "a container's files (its spec.json is missing or unreadable)"
        }
    }
}

extension ContainerEngine {
    /// The unrecorded container directories, read under the lists' lock; with `removing`, the removable ones are
    /// deleted (as their container would have deleted them) before the lock is released, and returned apart.
    public func unrecordedContainerDirectories(removing: Bool) throws
        -> (removed: [UnrecordedContainerDirectory], left: [UnrecordedContainerDirectory]) {
        let boot = ContainerProcesses.bootTime()   // 0 when unknown: then nothing is from before it
        return try containers.withListsLocked { records in
            let known = Set(records.map(\.id))
            var removed: [UnrecordedContainerDirectory] = []
            var left: [UnrecordedContainerDirectory] = []
            for name in FileSystem.list(containers.root) where ContainerStore.isID(name) && !known.contains(name) {
                let path = containers.directory(of: name)
                var info = stat()
                guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { continue }
                let spec = try? ContainerSpec.load(from: ContainerSpec.path(in: path))   // unreadable: not known to be --rm
                let leftover = UnrecordedContainerDirectory(path: path, autoRemove: spec?.settings.autoRemove,
                                                            madeBeforeBoot: Int64(info.st_mtim.tv_sec) < boot)
                if removing && leftover.removable {
                    try ContainerCleanup.removeDirectory(path, mapping: mapping)
                    removed.append(leftover)
                } else {
                    left.append(leftover)
                }
            }
            return (removed, left)
        }
    }
}
