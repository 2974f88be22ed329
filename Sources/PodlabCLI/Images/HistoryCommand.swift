import ArgumentParser
import PodlabCore
import PodlabImages

/// `podman history IMAGE`: the steps that made an image, newest first, with the size each layer added.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show the history of an image.")
    @Flag(name: .customLong("no-trunc"), help: "Do not truncate output.")
    var noTrunc = false
    @Flag(name: .shortAndLong, help: "Display the ID column only.")
    var quiet = false
    @Option(help: "Change the output format to JSON or a Go template.")
    var format: String?
    @Argument var image: String

    struct Step {
        var id: String
        var created: Double?
        var createdText: String
        var createdBy: String
        var size: Int64
        var comment: String
    }

    func run() throws {
        let store = try Current.engine.images()
        let record = try store.resolve(image)
        let steps = try HistoryCommand.steps(of: record, store: store)
        let now = WallClock.now()
        if let format, GoTemplate.isJSON(format) {
            let values: [TemplateValue] = steps.map { step in
                var fields: [(String, TemplateValue)] = [("id", .string(step.id)), ("created", .string(step.createdText))]
                if !step.createdBy.isEmpty { fields.append(("CreatedBy", .string(step.createdBy))) }
                fields.append(("size", .int(step.size)))
                if !step.comment.isEmpty { fields.append(("comment", .string(step.comment))) }
                fields.append(("Created", .string(JSONCoding.timestamp(step.created ?? 0))))
                return .object(fields)
            }
            Output.out(TemplateValue.array(values).json(indent: nil, escapeHTML: true))
            return
        }
        if quiet {
            for step in steps { Output.out(displayID(step.id)) }
            return
        }
        let template = try GoTemplate(format ?? "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}", name: "history")
        let values: [TemplateValue] = steps.map { step in
            var createdBy = step.createdBy
            if !noTrunc && createdBy.count > 45 { createdBy = String(createdBy.prefix(42)) + "..." }
            return .object([
                ("ID", .string(displayID(step.id))),
                ("Created", .string(step.created.map { HumanFormat.ago($0, now: now) } ?? "")),
                ("CreatedBy", .string(createdBy)),
                ("Size", .string(HumanFormat.size(step.size))),
                ("Comment", .string(step.comment)),
            ])
        }
        try template.printRows(values)
    }

    func displayID(_ id: String) -> String {
        id == "<missing>" || noTrunc ? id : String(id.prefix(12))
    }

    /// Pairs the config's history with the layers: each entry that is not an empty layer owns the next layer.
    static func steps(of image: ImageRecord, store: ImageStore) throws -> [Step] {
        let config = try store.config(of: image)
        var layerSizes = image.layers.map(\.uncompressedSize)
        var entries = config.history ?? []
        if entries.isEmpty {
            entries = image.layers.map { _ in HistoryEntry(created: config.created, createdBy: "") }
        }
        var steps: [Step] = []
        for entry in entries {
            var size: Int64 = 0
            if entry.empty_layer != true, !layerSizes.isEmpty { size = layerSizes.removeFirst() }
            steps.append(Step(id: "<missing>", created: entry.created.flatMap(JSONCoding.parseTimestamp),
                              createdText: entry.created ?? "", createdBy: entry.created_by ?? "", size: size, comment: entry.comment ?? ""))
        }
        steps.reverse()
        if !steps.isEmpty { steps[0].id = image.id.hex }
        return steps
    }
}

/// `podman image tree IMAGE`: the image's layers, bottom first.
struct ImageTreeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tree", abstract: "Print the layer hierarchy of an image.")
    @Argument var image: String

    func run() throws {
        let store = try Current.engine.images()
        let record = try store.resolve(image)
        Output.out("Image ID: \(record.id.shortHex)")
        Output.out("Tags:     [\(record.names.joined(separator: " "))]")
        Output.out("Size:     \(HumanFormat.size(record.size))")
        Output.out("Image Layers")
        for (index, layer) in record.layers.enumerated() {
            let last = index == record.layers.count - 1
            var line = "\(last ? "└──" : "├──") ID: \(layer.diffID.shortHex) Size: \(HumanFormat.size(layer.uncompressedSize))"
            if last { line += " Top Layer of: [\(record.names.joined(separator: " "))]" }
            Output.out(line)
        }
    }
}
