import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// A container directory (`containers/<id>/`) that no record names. A create records its container before it makes
/// the directory and a removal deletes the directory before the record, so none is in flight while the list is
/// locked: each was left by a power loss that took the never-synced list of `--rm` containers but not their files,
/// by a list moved aside, or by an older podlab.
public struct UnrecordedContainerDirectory: Sendable, Equatable {
    public var path: String
    /// What the directory's own spec says: true for a `--rm` container, whose files nobody needs once it is not
    /// listed; false for a kept one, nil when the spec is missing or unreadable (a power loss can empty it too).
    public var autoRemove: Bool?

    /// Only a `--rm` container's files go without a person deciding: a kept container's come back with its list.
    public var removable: Bool { autoRemove == true }
}

extension ContainerEngine {
    /// The unrecorded container directories, read under the lists' lock; with `removing`, the `--rm` ones among
    /// them are deleted (as their container would have deleted them) before the lock is released, and returned apart.
    public func unrecordedContainerDirectories(removing: Bool) throws
        -> (removed: [UnrecordedContainerDirectory], left: [UnrecordedContainerDirectory]) {
        try containers.withListsLocked { records in
            let known = Set(records.map(\.id))
            var removed: [UnrecordedContainerDirectory] = []
            var found: [UnrecordedContainerDirectory] = []
            for name in FileSystem.list(containers.root) where ContainerStore.isID(name) && !known.contains(name) {
                let path = containers.directory(of: name)
                guard FileSystem.isDirectory(path) else { continue }
                let spec = try? ContainerSpec.load(from: ContainerSpec.path(in: path))   // unreadable: not known to be --rm
                let leftover = UnrecordedContainerDirectory(path: path, autoRemove: spec?.settings.autoRemove)
                if removing && leftover.removable {
                    try ContainerCleanup.removeDirectory(path, mapping: mapping)
                    removed.append(leftover)
                    continue
                }
                found.append(leftover)
            }
            return (removed, found)
        }
    }
}
