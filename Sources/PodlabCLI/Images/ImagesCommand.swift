import ArgumentParser
import PodlabCore
import PodlabImages

/// `podman images`.
struct ImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "images", abstract: "List images in local storage.")
    @OptionGroup var options: ImagesOptions
    func run() throws { try options.run() }
}

/// `podman image ls` (also `list`).
struct ImageListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List images in local storage.", aliases: ["list"])
    @OptionGroup var options: ImagesOptions
    func run() throws { try options.run() }
}

struct ImagesOptions: ParsableArguments {

    @Flag(name: .shortAndLong, help: "Show all images (default hides intermediate images).")
    var all = false
    @Flag(name: .shortAndLong, help: "Display only image IDs.")
    var quiet = false
    @Flag(name: .customLong("no-trunc"), help: "Do not truncate output.")
    var noTrunc = false
    @Flag(help: "Show digests.")
    var digests = false
    @Flag(name: [.customShort("n"), .customLong("noheading")], help: "Do not print column headings.")
    var noHeading = false
    @Option(help: "Change the output format to JSON or a Go template.")
    var format: String?
    @Argument(help: "Show only images matching this name.")
    var image: String?

    func run() throws {
        let store = try Current.engine.images()
        let everything = try store.images()
        let parents = Set(everything.compactMap(\.parent))
        var selected = everything.filter { all || !($0.names.isEmpty && parents.contains($0.id)) }
        if let image { selected = selected.filter { ImageRow.matches($0, query: image) } }
        let rows = ImageRow.rows(for: selected)
        let now = WallClock.now()

        if let format, GoTemplate.isJSON(format) {
            var values: [TemplateValue] = []
            for row in rows { values.append(try ImagesOptions.json(row.image, store: store, parents: parents)) }
            Output.out(TemplateValue.array(values).json(indent: "    "))
            return
        }
        if quiet {
            var seen = Set<Digest>()
            for row in rows where seen.insert(row.image.id).inserted {
                Output.out(noTrunc ? row.image.id.description : row.image.id.shortHex)
            }
            return
        }
        let standard = "table {{.Repository}}\t{{.Tag}}\t" + (digests ? "{{.Digest}}\t" : "") + "{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
        try GoTemplate(format ?? standard, name: "images")
            .printRows(rows.map { fields($0, now: now) }, headerOverrides: ["ID": "IMAGE ID", "CreatedSince": "CREATED", "ReadOnly": "R/O"],
                       noHeading: noHeading)
    }

    func fields(_ row: ImageRow, now: Double) -> TemplateValue {
        let created = row.image.createdOrAdded
        return .object([
            ("ID", .string(noTrunc ? row.image.id.description : row.image.id.shortHex)),
            ("Repository", .string(row.repository)),
            ("Tag", .string(row.tag)),
            ("Digest", .string(row.image.manifest.digest.description)),
            ("CreatedSince", .string(HumanFormat.ago(created, now: now))),
            ("Created", .string(HumanFormat.ago(created, now: now))),
            ("CreatedAt", .string(ImagesOptions.goTime(created))),
            ("Size", .string(HumanFormat.size(row.image.size))),
            ("ReadOnly", .bool(false)),
            ("Dangling", .bool(row.image.names.isEmpty)),
            ("Names", .strings(row.image.names)),
            ("History", .string(row.image.namesHistory.isEmpty ? "<none>" : row.image.namesHistory.joined(separator: ", "))),
        ])
    }

    /// The JSON object podman prints per row of `images --format json` (its keys, in its order).
    static func json(_ image: ImageRecord, store: ImageStore, parents: Set<Digest>) throws -> TemplateValue {
        let config = try store.config(of: image)
        let created = Int64(image.createdOrAdded)
        var fields: [(String, TemplateValue)] = [
            ("Id", .string(image.id.hex)),
            ("ParentId", .string(image.parent?.hex ?? "")),
            ("RepoTags", .strings(nil)),
            ("RepoDigests", .array(repoDigests(image).map(TemplateValue.string))),
            ("Size", .int(image.size)),
            ("SharedSize", .int(0)),
            ("VirtualSize", .int(image.size)),
            ("Labels", .map(config.config?.Labels)),
            ("Containers", .int(0)),
        ]
        if image.names.isEmpty { fields.append(("Dangling", .bool(true))) }
        if !image.names.isEmpty { fields.append(("Names", .strings(image.names))) }
        fields.append(("Digest", .string(image.manifest.digest.description)))
        if !image.namesHistory.isEmpty { fields.append(("History", .strings(image.namesHistory))) }
        fields.append(("Created", .int(created)))
        fields.append(("CreatedAt", .string(JSONCoding.timestamp(Double(created)))))
        return .object(fields)
    }

    static func repoDigests(_ image: ImageRecord) -> [String] {
        var seen = Set<String>()
        return image.names.compactMap { name in
            guard let reference = try? ImageReference(parsing: name) else { return nil }
            let text = "\(reference.repository)@\(image.manifest.digest)"
            return seen.insert(text).inserted ? text : nil
        }
    }

    /// Go's default time format: `2026-11-29 09:37:17 +0000 UTC`.
    static func goTime(_ seconds: Double) -> String {
        let stamp = JSONCoding.timestamp(seconds)
        return stamp.replacing("T", with: " ").replacing("Z", with: " +0000 UTC")
    }
}

