import PodlabCore

/// Sandbox or online: `PODLAB_MODE`, else `mode = "…"` in <config>/podlab.conf, else sandbox.
public enum PodlabMode {
    public static let fileName = "podlab.conf"

    public static func current(locations: Locations, environment: [String: String] = Environment.current) -> EndpointResolver.Mode {
        if let text = environment["PODLAB_MODE"], let mode = EndpointResolver.Mode(rawValue: text) { return mode }
        guard let bytes = try? FileSystem.readFile("\(locations.config)/\(fileName)"),
              let toml = try? TOMLSubset(String(decoding: bytes, as: UTF8.self)),
              let mode = toml.root.string("mode").flatMap(EndpointResolver.Mode.init(rawValue:)) else { return .sandbox }
        return mode
    }

    public static func set(_ mode: EndpointResolver.Mode, locations: Locations) throws {
        try FileSystem.createDirectory(locations.config, mode: 0o755)
        let text = "# podlab's settings. mode: \"sandbox\" (registries are podlab's sandbox registry) or \"online\".\nmode = \"\(mode.rawValue)\"\n"
        try FileSystem.writeAtomically(Array(text.utf8), to: "\(locations.config)/\(fileName)")
    }
}

