import PodlabCore
import PodlabImages

/// What `podman build` was asked to do.
public struct BuildOptions {
    public var context: String
    /// The Containerfile's path and how to name it in messages.
    public var containerfile: String
    public var displayName: String
    public var tags: [ImageReference]
    /// The names as typed (podman echoes them after COMMIT).
    public var tagTexts: [String] = []
    public var noCache = false
    public var buildArgs: [String: String] = [:]
    public var target: String?
    public var quiet = false

    public init(context: String, containerfile: String, displayName: String, tags: [ImageReference]) {
        self.context = context
        self.containerfile = containerfile
        self.displayName = displayName
        self.tags = tags
    }
}

/// A stage being built: its image so far (config, layers) and its variables.
struct StageState {
    var name: String?
    var imageID: Digest?
    var config: ImageConfig
    var manifestLayers: [Descriptor]
    var args: [String: String]
    /// SHELL: what RUN and shell-form CMD/ENTRYPOINT run their text with.
    var shell: [String] = ["/bin/sh", "-c"]

    var runtime: ContainerConfig {
        get { config.config ?? ContainerConfig() }
        set { config.config = newValue }
    }

    /// ENV values (as KEY → value) for substitution and RUN.
    var environment: [String: String] {
        var result: [String: String] = [:]
        for entry in runtime.Env ?? [] {
            let parts = entry.splitOnce(at: "=")
            guard !parts.before.isEmpty else { continue }
            result[parts.before] = parts.after ?? ""
        }
        return result
    }

    var variables: [String: String] { args.merging(environment) { _, env in env } }
}
