import PodlabArchive
import PodlabCore
import PodlabImages
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// A file to put into a COPY/ADD layer: where it is on the host and where it goes in the image.
struct CopyItem {
    var source: String
    var destination: String
    var info: stat
}

extension Builder {
    func copy(_ state: inout StageState, instruction: Instruction, expanded: String, last: Bool) throws {
        let words = instruction.json ?? Substitution.shellWords(expanded)
        guard words.count >= 2, let destinationText = words.last else {
            throw fail(instruction, "\(instruction.keyword) needs at least one source and a destination", hint: "COPY index.html /app/")
        }
        let sources = Array(words.dropLast())
        // The sources come from the build context, or from an earlier stage with --from.
        var root = FileSystem.realPath(options.context) ?? options.context
        var ignore = try IgnoreRules.load(context: root)
        if let stage = instruction.flags["from"] {
            guard let other = stages.first(where: { $0.name == stage }),
                  let path = try rootfs(of: other) else {
                throw fail(instruction, "COPY --from=\(stage): no earlier stage is called \(stage)", hint: "name a stage with FROM IMAGE AS \(stage)")
            }
            root = path
            ignore = .none
        }
        let workdir = state.runtime.WorkingDir ?? "/"
        var destination = destinationText.hasPrefix("/") ? destinationText : workdir + "/" + destinationText
        destination = "/" + destination.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        // Into a directory when the text says so, or when one is already there (`COPY app.py /app` after `WORKDIR
        // /app`, `COPY f /.`), as podman copies; otherwise the destination is the file's new name. The look is in the
        // stage's snapshot, its links followed inside it, as the layer applier will follow them.
        let existingDirectory = try destination == "/" || rootfs(of: state).map { FileSystem.isDirectory(destination, inRoot: $0) } ?? false
        let intoDirectory = destinationText.hasSuffix("/") || destinationText == "." || sources.count > 1 || existingDirectory

        var items: [CopyItem] = []
        var archives: [String] = []
        for pattern in sources {
            if pattern.hasPrefix("http://") || pattern.hasPrefix("https://") {
                throw fail(instruction, "\(instruction.keyword) of a URL needs the network, and podlab builds offline",
                           hint: "download the file into the build context first, then COPY it")
            }
            let matches = try expand(pattern, root: root, instruction: instruction)
            let inContext = { (match: String) in match.relative(to: root) }
            var found = false
            for match in matches {
                var info = stat()
                guard lstat(match, &info) == 0 else { continue }
                let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
                // A source the ignore file leaves out is not in the context, as podman sees it; but a directory left
                // out still holds what an exception (`!dir/keep`) brings back.
                let excluded = ignore.excludes(inContext(match))
                if excluded && !(isDirectory && ignore.hasExceptions) { continue }
                if instruction.keyword == "ADD" && (info.st_mode & S_IFMT) == S_IFREG && Builder.isArchive(match) {
                    archives.append(match)
                    found = true
                    continue
                }
                if isDirectory {
                    let before = items.count
                    // One the ignore file leaves out and that cannot be listed is passed over; otherwise never a
                    // directory copied without what the builder could not read (it was, empty).
                    if excluded && access(match, R_OK | X_OK) != 0 { continue }
                    do { try walk(match, root: root, into: destination, ignore: ignore, items: &items) } catch let error as SystemError {
                        throw fail(instruction, error.message, hint: error.hint)
                    }
                    found = found || !excluded || items.count > before
                } else {
                    let target = intoDirectory || matches.count > 1 ? "\(destination)/\(FileSystem.baseName(of: match))" : destination
                    items.append(CopyItem(source: match, destination: target, info: info))
                    found = true
                }
            }
            if !found && matches.allSatisfy({ ignore.excludes(inContext($0)) }) {
                throw fail(instruction, "\(instruction.keyword) source \"\(pattern)\" not found in the build context \(options.context)",
                           hint: "it is left out by the context's .containerignore or .dockerignore")
            }
        }
        if items.isEmpty && archives.isEmpty {
            throw fail(instruction, "no source files were specified or all were excluded by .containerignore/.dockerignore",
                       hint: "the sources are paths inside the build context \(options.context)")
        }
        let owner = try chownIDs(instruction.flags["chown"], state: state, instruction: instruction)
        let content = try contentDigest(items, archives: archives)
        // "entries 2": layers cached before COPY into `/` and into a directory already there were fixed are not reused.
        let key = cacheKey(state, instruction, extra: "entries 2 " + content)
        if try reuse(key, into: &state, last: last) { return }
        let layer = try scratchFile("layer")
        let writer = try ArchiveWriter(path: layer, compression: .gzip)
        // Entry paths are relative to the root: a destination of `/` makes `//name` above, whose one-slash-less form
        // would still be absolute (and refused when the layer is applied). A directory already there keeps its own
        // entry, mode and owner (`COPY f /tmp/` leaves /tmp 1777).
        if (intoDirectory || items.count > 1 || !archives.isEmpty) && !existingDirectory {
            try writer.add(ArchiveEntry(path: destination.trimmingLeadingSlashes(), kind: .directory, permissions: 0o755,
                                        uid: Int64(owner.uid), gid: Int64(owner.gid), modificationTime: Int64(time(nil))))
        }
        for item in items {
            var entry = ArchiveEntry(path: item.destination.trimmingLeadingSlashes(), kind: .regular, permissions: UInt32(item.info.st_mode & 0o7777),
                                     uid: Int64(owner.uid), gid: Int64(owner.gid), modificationTime: Int64(item.info.st_mtim.tv_sec))
            switch item.info.st_mode & S_IFMT {
            case S_IFDIR:
                entry.kind = .directory
                try writer.add(entry)
            case S_IFLNK:
                entry.kind = .symlink
                entry.linkTarget = readLinkText(item.source)
                try writer.add(entry)
            case S_IFREG:
                try writer.add(entry, contentsOfFile: item.source)
            default:
                continue
            }
        }
        for archive in archives {
            try addArchive(archive, under: destination, to: writer)
        }
        try writer.close()
        let summary = items.count == 1 ? "file:\(content.prefix(16))" : "multi:\(content.prefix(16))"
        try commit(&state, layer: layer, createdBy: "/bin/sh -c #(nop) \(instruction.keyword) \(summary) in \(destination) ", key: key, last: last)
    }

    /// Source patterns: a path inside `root`, possibly with * ? [ ] in its last part. Refuses paths that
    /// leave `root` (with `..` or through a symlink).
    func expand(_ pattern: String, root: String, instruction: Instruction) throws -> [String] {
        let relative = pattern.trimmingLeadingSlashes()
        let directoryPart = FileSystem.parent(of: relative)
        let namePart = FileSystem.baseName(of: relative)
        let directory = directoryPart == "." ? root : root + "/" + directoryPart
        var candidates: [String]
        if namePart.contains(where: { "*?[".contains($0) }) {
            candidates = FileSystem.list(directory).filter { fnmatch(namePart, $0, 0) == 0 }.map { directory + "/" + $0 }
        } else {
            candidates = [relative.isEmpty || relative == "." ? root : root + "/" + relative]
        }
        var result: [String] = []
        for candidate in candidates {
            guard let real = FileSystem.realPath(candidate) else { continue }
            guard real == root || real.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
                throw fail(instruction, "\(instruction.keyword) source \"\(pattern)\" is outside the build context",
                           hint: "a build can only read files inside its context directory (\(options.context)); copy the file there first")
            }
            result.append(candidate)
        }
        if result.isEmpty {
            throw fail(instruction, "\(instruction.keyword) source \"\(pattern)\" not found in the build context \(options.context)",
                       hint: "check the name, or run podman build from the directory that holds it")
        }
        return result.sorted()
    }

    /// What a directory source brings, in order; a directory inside that cannot be read is its error.
    func walk(_ directory: String, root: String, into destination: String, ignore: IgnoreRules, items: inout [CopyItem]) throws {
        for name in try FileSystem.entries(directory) {
            let path = "\(directory)/\(name)"
            let excluded = ignore.excludes(path.relative(to: root))
            if excluded && !ignore.hasExceptions { continue }
            var info = stat()
            guard lstat(path, &info) == 0 else {
                if errno == ENOENT || excluded { continue }   // gone since the listing, or left out anyway
                throw SystemError("look at", path: path, errno: errno)   // a directory readable but not searchable
            }
            let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
            if excluded {
                // Left out, but an exception may bring back something inside: then the directory comes with it. One
                // that cannot be read is left out whole, as podman leaves it.
                guard isDirectory else { continue }
                var inside: [CopyItem] = []
                guard access(path, R_OK | X_OK) == 0 else { continue }
                try walk(path, root: root, into: "\(destination)/\(name)", ignore: ignore, items: &inside)
                guard !inside.isEmpty else { continue }
                items.append(CopyItem(source: path, destination: "\(destination)/\(name)", info: info))
                items += inside
                continue
            }
            items.append(CopyItem(source: path, destination: "\(destination)/\(name)", info: info))
            if isDirectory {
                try walk(path, root: root, into: "\(destination)/\(name)", ignore: ignore, items: &items)
            }
        }
    }

    func readLinkText(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        return count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    }

    /// `--chown=user[:group]`, resolved with the image's own passwd and group files.
    func chownIDs(_ text: String?, state: StageState, instruction: Instruction) throws -> (uid: UInt32, gid: UInt32) {
        guard let text, !text.isEmpty else { return (0, 0) }
        do {
            let user = try ImageUser.resolve(text, rootfs: try rootfs(of: state) ?? "/nonexistent")
            return (user.uid, text.contains(":") ? user.gid : user.gid)
        } catch let error as any LearnerFacingError {
            throw fail(instruction, error.message, hint: error.hint)
        }
    }

    /// What the step reads, for the cache: names, modes and contents.
    func contentDigest(_ items: [CopyItem], archives: [String]) throws -> String {
        var hasher = SHA256Hasher()
        for item in items {
            hasher.update(Array("\(item.destination) \(item.info.st_mode) \(item.info.st_size)\n".utf8))
            if (item.info.st_mode & S_IFMT) == S_IFREG { hasher.update(Array(try BlobStore.hash(file: item.source).0.description.utf8)) }
            if (item.info.st_mode & S_IFMT) == S_IFLNK { hasher.update(Array(readLinkText(item.source).utf8)) }
        }
        for archive in archives { hasher.update(Array(try BlobStore.hash(file: archive).0.description.utf8)) }
        return hasher.finalize().hex
    }

    static func isArchive(_ path: String) -> Bool {
        guard let reader = try? ArchiveReader(path: path, format: .tar), let _ = try? reader.nextEntry() else { return false }
        return true
    }

    /// ADD of a local archive: its entries, unpacked under the destination.
    func addArchive(_ path: String, under destination: String, to writer: ArchiveWriter) throws {
        let reader = try ArchiveReader(path: path, format: .tar)
        let prefix = String(destination.dropFirst())
        while var entry = try reader.nextEntry() {
            let name = entry.path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
            if name.isEmpty { continue }
            entry.path = prefix.isEmpty ? name : "\(prefix)/\(name)"
            if entry.kind == .hardlink, let target = entry.linkTarget {
                let cleaned = target.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
                entry.linkTarget = prefix.isEmpty ? cleaned : "\(prefix)/\(cleaned)"
            }
            try writer.add(entry, copyingDataFrom: reader)
        }
    }
}

extension String {
    /// Without its leading slashes, counted as bytes: a `/` followed by a combining mark is one Character with it.
    func trimmingLeadingSlashes() -> String {
        String(decoding: utf8.drop { $0 == UInt8(ascii: "/") }, as: UTF8.self)
    }

    /// This path (under `root`) as a path in `root`, by bytes (not Characters, which can join `/` to what follows).
    func relative(to root: String) -> String {
        String(decoding: utf8.dropFirst(root.utf8.count), as: UTF8.self).trimmingLeadingSlashes()
    }
}
