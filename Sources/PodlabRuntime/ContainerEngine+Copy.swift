import CSpawn
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// `podman cp`: host ↔ container, as docker and podman place things (into an existing directory under the source's
/// name, else as the destination itself). Container paths are resolved by the kernel inside the container's root
/// (openat2 RESOLVE_IN_ROOT): no symlink or `..` in the image reaches the host.
extension ContainerEngine {
    /// Copies the host's `hostPath` into the container at `containerPath`. Returns what was left out.
    public func copy(into record: ContainerRecord, from hostPath: String, to containerPath: String) throws -> [String] {
        let source = try HostSide.open(hostPath)
        defer { close(source.directory) }
        let path = try absolute(containerPath, in: record)
        return try withRoot(of: record) { root in
            let (directory, name) = try ContainerSide.destination(root: root, path: path, sourceName: source.name,
                                                                 sourceIsDirectory: source.isDirectory, container: record.name)
            defer { close(directory) }
            let owner = Locations.isRoot ? mapping.host(for: 0).map { (uid: $0, gid: $0) } : nil  // fsuid while creating
            var copier = TreeCopy(owner: owner, dropSetID: false)
            try copier.copy(from: source.directory, source.name, to: directory, as: name, display: hostPath)
            return copier.skipped
        }
    }

    /// Copies the container's `containerPath` to the host at `hostPath`. Returns what was left out.
    public func copy(from record: ContainerRecord, _ containerPath: String, to hostPath: String) throws -> [String] {
        let path = try absolute(containerPath, in: record)
        return try withRoot(of: record) { root in
            let (sourceDirectory, name, isDirectory) = try ContainerSide.source(root: root, path: path, container: record.name)
            defer { close(sourceDirectory) }
            let (directory, newName) = try HostSide.destination(hostPath, sourceName: name, sourceIsDirectory: isDirectory)
            defer { close(directory) }
            var copier = TreeCopy(owner: nil, dropSetID: true)
            try copier.copy(from: sourceDirectory, name, to: directory, as: newName, display: path)
            return copier.skipped
        }
    }

    /// A relative container path is taken from the container's working directory, as podman does. /proc and /sys
    /// are refused by name here, and by file system type wherever a path really leads.
    func absolute(_ path: String, in record: ContainerRecord) throws -> String {
        guard !path.isEmpty else { throw RuntimeError.invalidOption("the container path is empty", hint: "write CONTAINER:/path") }
        let base = try spec(of: record).settings.workingDir
        let full = path.hasPrefix("/") ? path : (base.hasSuffix("/") ? base : base + "/") + path
        var parts: [Substring] = []
        for part in full.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        if let first = parts.first, first == "proc" || first == "sys" {
            throw RuntimeError.invalidOption("podlab does not copy to or from /proc or /sys of a container (\(path))",
                                             hint: "copy the file somewhere else in the container first, e.g. with podman exec … cat")
        }
        return full
    }
}

/// Finding the two ends inside the container.
enum ContainerSide {
    static func open(_ root: Int32, _ path: String, _ flags: Int32) -> Int32 {
        podlab_open_in_root(root, path, flags, 0)
    }

    static func notFound(_ path: String, _ container: String) -> RuntimeError {
        .cannotRun("\"\(path)\" could not be found on container \(container): no such file or directory",
                   hint: "look with: podman exec \(container) ls -l \(FileSystem.parent(of: path))")
    }

    static func refuseKernelFileSystem(_ fd: Int32, _ path: String) throws {
        guard TreeCopy.isKernelFileSystem(fd) else { return }
        close(fd)
        throw RuntimeError.invalidOption("podlab does not copy to or from /proc or /sys of a container (\(path))",
                                         hint: "copy the file somewhere else in the container first, e.g. with podman exec … cat")
    }

    /// The directory to copy into and the name to give: inside an existing directory under the source's name, or
    /// the path itself in its (existing) parent.
    static func destination(root: Int32, path: String, sourceName: String, sourceIsDirectory: Bool, container: String) throws -> (Int32, String) {
        let directory = open(root, path, O_RDONLY | O_DIRECTORY)
        if directory >= 0 {
            try refuseKernelFileSystem(directory, path)
            return (directory, sourceName)
        }
        let error = errno
        if error == ENOTDIR && sourceIsDirectory {
            throw RuntimeError.invalidOption("cannot copy a directory onto the file \"\(path)\" in container \(container)", hint: nil)
        }
        guard error == ENOENT || error == ENOTDIR, !path.hasSuffix("/") else {
            throw error == ENOENT ? notFound(path, container) : SystemError("open", path: path, errno: error)
        }
        let parent = open(root, FileSystem.parent(of: path), O_RDONLY | O_DIRECTORY)
        guard parent >= 0 else { throw notFound(path, container) }
        try refuseKernelFileSystem(parent, path)
        return (parent, FileSystem.baseName(of: path))
    }

    /// The source's parent directory, its name there, and whether it is a directory.
    static func source(root: Int32, path: String, container: String) throws -> (Int32, String, Bool) {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        if trimmed == "/" {
            let fd = open(root, "/", O_RDONLY | O_DIRECTORY)
            guard fd >= 0 else { throw notFound(path, container) }
            return (fd, ".", true)
        }
        let parent = open(root, FileSystem.parent(of: trimmed), O_RDONLY | O_DIRECTORY)
        guard parent >= 0 else { throw notFound(path, container) }
        let name = FileSystem.baseName(of: trimmed)
        var info = stat()
        guard name != "..", fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            close(parent)
            throw notFound(path, container)
        }
        if info.st_mode & S_IFMT == S_IFLNK && path.hasSuffix("/") {
            // "link/" means the directory it points to (resolved inside the root, like any other path).
            close(parent)
            let directory = open(root, trimmed, O_RDONLY | O_DIRECTORY)
            guard directory >= 0 else { throw notFound(path, container) }
            try refuseKernelFileSystem(directory, path)
            return (directory, ".", true)
        }
        try refuseKernelFileSystem(parent, path)
        return (parent, name, info.st_mode & S_IFMT == S_IFDIR)
    }
}

/// The host's end: the learner's own files, opened as given.
enum HostSide {
    static func open(_ path: String) throws -> (directory: Int32, name: String, isDirectory: Bool) {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        var info = stat()
        guard lstat(trimmed, &info) == 0 else {
            throw RuntimeError.cannotRun("\"\(path)\" could not be found on the host: no such file or directory", hint: nil)
        }
        let parent = Glibc.open(FileSystem.parent(of: trimmed), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard parent >= 0 else { throw SystemError("open", path: FileSystem.parent(of: trimmed), errno: errno) }
        let name = trimmed == "/" ? "." : FileSystem.baseName(of: trimmed)
        return (parent, name, info.st_mode & S_IFMT == S_IFDIR)
    }

    static func destination(_ path: String, sourceName: String, sourceIsDirectory: Bool) throws -> (Int32, String) {
        let directory = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 { return (directory, sourceName) }
        let error = errno
        if error == ENOTDIR && sourceIsDirectory {
            throw RuntimeError.invalidOption("cannot copy a directory onto the file \"\(path)\"", hint: nil)
        }
        guard error == ENOENT || error == ENOTDIR, !path.hasSuffix("/") else {
            throw RuntimeError.cannotRun("\"\(path)\" could not be found on the host: no such file or directory", hint: nil)
        }
        let parent = Glibc.open(FileSystem.parent(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard parent >= 0 else {
            throw RuntimeError.cannotRun("\"\(path)\" could not be found on the host: no such file or directory",
                                         hint: "make its directory first: mkdir -p \(FileSystem.parent(of: path))")
        }
        return (parent, FileSystem.baseName(of: path))
    }
}
