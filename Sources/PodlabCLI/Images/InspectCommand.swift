import ArgumentParser
import PodlabCore
import PodlabImages

/// `podman image inspect` and (for images) `podman inspect`: podman's JSON, or a Go template per image.
struct ImageInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Display the configuration of an image.")
    @Option(name: [.customShort("f"), .long], help: "Format with a Go template, or json.")
    var format: String?
    @Argument var images: [String] = []

    func run() throws { try InspectCommand.inspectImages(images, format: format) }
}

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Display the configuration of an object (images).")
    @Option(name: [.customShort("f"), .long], help: "Format with a Go template, or json.")
    var format: String?
    @Option(name: [.customShort("t"), .long], help: "Type of object: all (default), container or image.")
    var type: String = "all"
    @Argument var names: [String] = []

    func run() throws {
        guard ["all", "image", "container"].contains(type) else {
            throw CLIError.usage("invalid type \"\(type)\": use all, container or image", command: "podman inspect")
        }
        if type == "image" { return try InspectCommand.inspectImages(names, format: format) }
        // Containers first, as podman does: a name that is both is the container.
        let engine = try Current.engine.containers()
        var values: [TemplateValue] = []
        var imageNames: [String] = []
        for name in names {
            if let record = try engine.containers.lookup(name) {
                values.append(ContainerInspect.describe(record, engine: engine))
            } else if type == "container" {
                throw CLIError.refused("inspecting object: no such container \(name)", hint: "'podman ps -a' lists containers")
            } else {
                imageNames.append(name)
            }
        }
        if imageNames.isEmpty { return try InspectCommand.print(values, format: format) }
        if !values.isEmpty { try InspectCommand.print(values, format: format) }
        try InspectCommand.inspectImages(imageNames, format: format)
    }

    /// Prints inspect objects: podman's 5-space JSON array, or a template per object.
    static func print(_ values: [TemplateValue], format: String?) throws {
        if let format, !GoTemplate.isJSON(format) {
            let template = try GoTemplate(format, name: "inspect")
            for value in values { Output.out(try template.render(value, among: values)) }
        } else {
            Output.out(TemplateValue.array(values).json(indent: "     "))
        }
    }

    static func inspectImages(_ names: [String], format: String?) throws {
        guard !names.isEmpty else { throw CLIError.usage("no names or ids specified", command: "podman image inspect") }
        let store = try Current.engine.images()
        var values: [TemplateValue] = []
        var failures: [String] = []
        var firstError: (any Error)?
        for name in names {
            do {
                let image = try store.resolve(name)
                values.append(try describe(image, store: store))
            } catch {
                failures.append((error as? any LearnerFacingError)?.message ?? "\(error)")
                if firstError == nil { firstError = error }
            }
        }
        try print(values, format: format)
        guard let first = failures.first else { return }
        for failure in failures.dropFirst() { Output.err("error inspecting object: \(TerminalText.visible(failure))") }
        throw CLIError.refused("inspecting object: \(first)", hint: (firstError as? any LearnerFacingError)?.hint)
    }

    /// podman's `image inspect` object, keys in its order.
    static func describe(_ image: ImageRecord, store: ImageStore) throws -> TemplateValue {
        let config = try store.config(of: image)
        let manifest = try store.manifest(of: image)
        let runtime = config.config ?? ContainerConfig()
        let history: [TemplateValue] = (config.history ?? []).map { entry in
            var fields: [(String, TemplateValue)] = []
            if let value = entry.created { fields.append(("created", .string(value))) }
            if let value = entry.created_by { fields.append(("created_by", .string(value))) }
            if let value = entry.author { fields.append(("author", .string(value))) }
            if let value = entry.comment { fields.append(("comment", .string(value))) }
            if entry.empty_layer == true { fields.append(("empty_layer", .bool(true))) }
            return .object(fields)
        }
        return .object([
            ("Id", .string(image.id.hex)),
            ("Digest", .string(image.manifest.digest.description)),
            ("RepoTags", .array(image.names.map(TemplateValue.string))),
            ("RepoDigests", .array(ImagesOptions.repoDigests(image).map(TemplateValue.string))),
            ("Parent", .string(image.parent?.hex ?? "")),
            ("Comment", .string(config.history?.first?.comment ?? "")),
            ("Created", .string(config.created ?? JSONCoding.timestamp(image.added))),
            ("Config", configValue(runtime)),
            ("Version", .string("")),
            ("Author", .string(config.author ?? "")),
            ("Architecture", .string(config.architecture)),
            ("Os", .string(config.os)),
            ("Size", .int(image.size)),
            ("VirtualSize", .int(image.size)),
            ("GraphDriver", .object([
                ("Name", .string("podlab-snapshot")),
                ("Data", image.topLayer.map { .object([("RootDir", .string(store.layers.path(for: $0)))]) } ?? .nilCollection(.map)),
            ])),
            ("RootFS", .object([("Type", .string("layers")), ("Layers", .array(config.rootfs.diff_ids.map { .string($0.description) }))])),
            ("Labels", .map(runtime.Labels)),
            ("Annotations", .map(manifest.annotations ?? [:])),
            ("ManifestType", .string(image.manifest.mediaType)),
            ("User", .string(runtime.User ?? "")),
            ("History", .array(history)),
            ("NamesHistory", .strings(image.namesHistory.isEmpty ? nil : image.namesHistory)),
        ])
    }

    /// The image's `Config` as OCI's ImageConfig: every field is `omitempty`, so JSON leaves out an empty one, but a
    /// template still has it (`{{.Config.Cmd}}` of an image without one prints `[]`, as podman's does).
    static func configValue(_ config: ContainerConfig) -> TemplateValue {
        func set(_ keys: [String]?) -> TemplateValue {
            keys.map { .object($0.sorted().map { ($0, .object([])) }) } ?? .nilCollection(.map)
        }
        return .object([
            ("User", .omitEmpty(.string(config.User ?? ""))),
            ("ExposedPorts", .omitEmpty(set(config.ExposedPorts.map { Array($0.keys) }))),
            ("Env", .omitEmpty(.strings(config.Env))),
            ("Entrypoint", .omitEmpty(.strings(config.Entrypoint))),
            ("Cmd", .omitEmpty(.strings(config.Cmd))),
            ("Volumes", .omitEmpty(set(config.Volumes.map { Array($0.keys) }))),
            ("WorkingDir", .omitEmpty(.string(config.WorkingDir ?? ""))),
            ("Labels", .omitEmpty(.map(config.Labels))),
            ("StopSignal", .omitEmpty(.string(config.StopSignal ?? ""))),
        ])
    }
}
