import ArgumentParser
import PodlabArchive
import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// `podman save`: images to an oci-archive or docker-archive, to a file or standard output.
struct SaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "save", abstract: "Save images to an archive.")
    @Option(name: .shortAndLong, help: "Write to this file (default: standard output, which must be redirected).")
    var output: String?
    @Option(help: "oci-archive or docker-archive (default).")
    var format: String = ImageArchiveFormat.dockerArchive.rawValue
    @Flag(name: [.customShort("m"), .customLong("multi-image-archive")], help: "Save every named image (docker-archive); otherwise extra names tag the first image.")
    var multiImage = false
    @Flag(name: .shortAndLong, help: "Suppress the progress output.")
    var quiet = false
    @Argument var images: [String] = []

    func run() throws {
        guard !images.isEmpty else { throw CLIError.usage("need at least 1 argument", command: "podman save") }
        guard let archiveFormat = ImageArchiveFormat(rawValue: format) else {
            throw CLIError.usage("format value must be one of oci-archive docker-archive", command: "podman save")
        }
        if output == nil && Output.isTerminal(1) {
            throw CLIError.refused("refusing to save to terminal. Use -o flag or redirect", hint: "podman save -o image.tar NAME")
        }
        let store = try Current.engine.images()
        let items = try selection(store: store, format: archiveFormat)
        let progress = CopyProgress(quiet: quiet || output == nil)
        guard let output else {
            let writer = try ArchiveWriter(fd: 1, name: "standard output", compression: .none)
            try store.save(items, format: archiveFormat, to: writer, progress: progress.report)
            return
        }
        // Written beside the target and renamed at the end: an interrupted save leaves no half archive.
        let temporary = "\(output).podlab-\(getpid()).tmp"
        do {
            let writer = try ArchiveWriter(path: temporary, compression: .none)
            try store.save(items, format: archiveFormat, to: writer, progress: progress.report)
            guard rename(temporary, output) == 0 else { throw SystemError("write", path: output, errno: errno) }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// The images to write with the names each is saved under (podman: the name used, none for an id).
    func selection(store: ImageStore, format: ImageArchiveFormat) throws -> [ImageToSave] {
        var items: [ImageToSave] = []
        let treatAsImages = multiImage || format == .ociArchive
        for (position, query) in images.enumerated() {
            if position > 0 && !treatAsImages {
                // podman: without -m, later arguments are more names for the first image in a docker-archive.
                if let reference = try? ImageReference(parsing: query, defaultDomain: ImageReference.localDomain) {
                    items[0].names.insert(reference.description, at: 0)
                }
                continue
            }
            let image = try store.resolve(query)
            let byID = ImageStore.isIDQuery(query, of: image)
            let name = byID ? nil : image.name(matching: query)
            if let index = items.firstIndex(where: { $0.image.id == image.id }) {
                if let name, !items[index].names.contains(name) { items[index].names.append(name) }
            } else {
                items.append(ImageToSave(image: image, names: name.map { [$0] } ?? []))
            }
        }
        return items
    }

}

/// `podman load`: images from an oci-archive or docker-archive (plain or compressed).
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "load", abstract: "Load images from an archive.")
    @Option(name: .shortAndLong, help: "Read from this archive (default: standard input).")
    var input: String?
    @Flag(name: .shortAndLong, help: "Suppress the progress output.")
    var quiet = false
    @Argument var extra: [String] = []

    func run() throws {
        guard extra.isEmpty else { throw CLIError.usage("`podman load` takes no arguments", command: "podman load") }
        let reader: ArchiveReader
        if let input {
            var info = stat()
            guard stat(input, &info) == 0 else { throw SystemError("stat", path: input, errno: errno) }
            reader = try ImageStore.openArchive(path: input)
        } else {
            guard !Output.isTerminal(0) else {
                throw CLIError.refused("cannot read from terminal, use command-line redirection or the --input flag",
                                       hint: "podman load -i image.tar")
            }
            reader = try ImageStore.openArchive(fd: 0, name: "standard input")
        }
        let store = try Current.engine.images()
        let progress = CopyProgress(quiet: quiet)
        progress.start()
        let loaded = try store.load(from: reader, progress: progress.report)
        var lines: [String] = []
        for item in loaded {
            Current.engine.journal?.record(.init(type: "image", status: "load", id: item.image.id.hex, name: item.names.first))
            lines += item.names.isEmpty ? ["sha256:\(item.image.id.hex)"] : item.names
        }
        Output.out("Loaded image: " + lines.joined(separator: "\nLoaded image: "))
        // Leftovers of an earlier interrupted load or pull go now that this one is done.
        store.collectGarbage()
    }
}
