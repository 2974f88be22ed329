import PodlabCore
import PodlabImages

/// podman's registries.conf (v2 format): `unqualified-search-registries`, and `[[registry]]` entries
/// with `prefix`, `location`, `insecure`, `blocked` and `[[registry.mirror]]`s. podlab's own copy lives
/// in its config directory; its default maps the public registries onto the sandbox registry, which the
/// location `podlab-sandbox` stands for (wherever it listens on 127.0.0.1).
public struct RegistriesConf: Sendable, Equatable {
    public struct Mirror: Sendable, Equatable {
        public var location: String
        public var insecure: Bool
    }

    public struct Registry: Sendable, Equatable {
        public var prefix: String
        public var location: String
        public var insecure: Bool
        public var blocked: Bool
        public var mirrors: [Mirror]
    }

    public static let sandboxLocation = "podlab-sandbox"
    public static let fileName = "registries.conf"

    public var unqualifiedSearch: [String]
    public var registries: [Registry]

    public init(unqualifiedSearch: [String], registries: [Registry]) {
        self.unqualifiedSearch = unqualifiedSearch
        self.registries = registries
    }

    public init(text: String, path: String) throws(RegistryClientError) {
        let toml: TOMLSubset
        do { toml = try TOMLSubset(text) } catch {
            throw RegistryClientError("\(path): \(error)", hint: "fix the file, or delete it to get podlab's default back")
        }
        unqualifiedSearch = toml.root.strings("unqualified-search-registries") ?? []
        registries = []
        for table in toml.tables {
            if table.path == "registry" {
                guard let prefix = table.string("prefix") ?? table.string("location") else {
                    throw RegistryClientError("\(path): a [[registry]] entry needs a prefix or a location")
                }
                registries.append(Registry(prefix: prefix, location: table.string("location") ?? prefix,
                                           insecure: table.bool("insecure") ?? false, blocked: table.bool("blocked") ?? false,
                                           mirrors: []))
            } else if table.path == "registry.mirror", !registries.isEmpty, let location = table.string("location") {
                registries[registries.count - 1].mirrors.append(Mirror(location: location, insecure: table.bool("insecure") ?? false))
            }
        }
    }

    /// The entry whose prefix matches the most of `host/path` (podman's rule), if any.
    public func match(_ reference: ImageReference) -> Registry? {
        let name = "\(reference.domain)/\(reference.path)"
        return registries
            .filter { name == $0.prefix || name.hasPrefix($0.prefix.hasSuffix("/") ? $0.prefix : $0.prefix + "/") }
            .max { $0.prefix.count < $1.prefix.count }
    }

    /// Reads `<config>/registries.conf`, writing podlab's default there first if there is none.
    public static func load(configDirectory: String) throws -> RegistriesConf {
        let path = "\(configDirectory)/\(fileName)"
        if !FileSystem.exists(path) {
            try? FileSystem.createDirectory(configDirectory, mode: 0o755)
            try? FileSystem.writeAtomically(Array(defaultText.utf8), to: path)
        }
        guard let bytes = try? FileSystem.readFile(path) else { return try RegistriesConf(text: defaultText, path: "(built-in)") }
        return try RegistriesConf(text: String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Registries whose images the tutorial and the learner's own experiments name.
    public static let publicRegistries = ["docker.io", "quay.io", "ghcr.io", "gcr.io", "registry.k8s.io", "mcr.microsoft.com",
                                          "public.ecr.aws", "registry.fedoraproject.org", "registry.access.redhat.com"]

    public static var defaultText: String {
        var text = """
        # podlab's registries, in podman's registries.conf format (man 5 containers-registries.conf).
        # In sandbox mode (the default) these public registries are served by podlab's sandbox registry on
        # 127.0.0.1, which the location "\(sandboxLocation)" stands for. Point a prefix elsewhere (a classroom
        # registry, say: location = "10.0.0.5:5000", insecure = true) to change where it goes. In online mode
        # ('podlab mode online') entries pointing at the sandbox are skipped and the real registries answer.

        unqualified-search-registries = ["docker.io"]

        """
        for registry in publicRegistries {
            text += "\n[[registry]]\nprefix = \"\(registry)\"\nlocation = \"\(sandboxLocation)\"\n"
        }
        return text
    }
}
