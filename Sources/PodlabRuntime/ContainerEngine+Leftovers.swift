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
    /// A `create` killed before it renamed the container's directory into place (`<id>.new`, see `addClaimed`): empty,
    /// never a container's, swept by `--repair` (so never `left`) and otherwise not reported.
    public var interruptedCreate = false

    /// Only a `--rm` container's files from before this boot go without a person deciding: nobody can need them,
    /// while a kept container's come back with its list.
    public var removable: Bool { autoRemove == true && madeBeforeBoot }

    /// What `store check` says of it.
    public var report: String { interruptedCreate ? description : "\(description) no record names" }

    public var description: String {
        if interruptedCreate { return "the empty directory of a create that was interrupted" }
        return switch autoRemove {
        case true?: madeBeforeBoot ? "the files of a --rm container" : "the files of a --rm container of this boot (it may still run)"
        case false?: "the files of a kept container"
        case nil: "a container's files (its spec.json is missing or unreadable)"
        }
    }
}

extension ContainerEngine {
    /// The unrecorded container directories, read under the lists' lock; with `removing`, the removable ones are
    /// deleted (as their container would have deleted them) before the lock is released, and returned apart, with
    /// the directories of interrupted creates.
    public func unrecordedContainerDirectories(removing: Bool) throws
        -> (removed: [UnrecordedContainerDirectory], left: [UnrecordedContainerDirectory]) {
        let boot = ContainerProcesses.bootTime()   // 0 when unknown: then nothing is from before it
        return try containers.withListsLocked { records in
            let known = Set(records.map(\.id))
            var removed: [UnrecordedContainerDirectory] = []
            var left: [UnrecordedContainerDirectory] = []
            for name in FileSystem.list(containers.root) {
                // `<id>.new`: a create killed before it renamed its directory into place (`addClaimed`). A create makes,
                // locks and renames its own with the lists locked, as they are now, so any found is a killed one's.
                let staged = name.hasSuffix(ContainerStore.stagingSuffix)
                let id = staged ? String(name.dropLast(ContainerStore.stagingSuffix.count)) : name
                guard ContainerStore.isID(id), staged ? removing : !known.contains(id) else { continue }
                let path = "\(containers.root)/\(name)"
                var info = stat()
                guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { continue }
                if staged {
                    try ContainerCleanup.removeDirectory(path, mapping: mapping)
                    removed.append(UnrecordedContainerDirectory(path: path, autoRemove: nil, madeBeforeBoot: false, interruptedCreate: true))
                    continue
                }
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
