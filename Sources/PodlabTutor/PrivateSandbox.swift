import PodlabCore
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway store, run-time directory, config, auth file, progress and workspace under /tmp, for
/// `podlab lesson test`: the lessons' lines run for real without touching the learner's own state.
public struct PrivateSandbox {
    public let directory: String
    public let paths: TutorPaths
    public let environment: [String: String]

    /// A new sandbox in a directory of its own under `parent` (the class server keeps its replays' sandboxes in its
    /// own directory, so that it can remove what a crash left behind).
    public init(base: TutorPaths, parent: String = "/tmp") throws {
        directory = try FileSystem.makeTemporaryDirectory("podlab-lesson-test", in: parent)
        // As private as a store: a root-run container's root may pass through to its layers, nobody else.
        try StoreAccess.prepare(directory)
        var environment = Environment.current
        environment["PODLAB_ROOT"] = "\(directory)/storage"
        environment["PODLAB_RUNROOT"] = "\(directory)/run"
        environment["PODLAB_CONFIG"] = "\(directory)/config"
        environment["PODLAB_STATE"] = "\(directory)/state"
        environment["PODLAB_WORKSPACE"] = "\(directory)/workspace"
        environment["REGISTRY_AUTH_FILE"] = "\(directory)/auth.json"
        environment["PODLAB_MODE"] = "sandbox"
        // Published ports go to a session network of the sandbox's own: a lesson's `-p 8080:80` never takes (or
        // finds taken) the host's port, whoever else on the machine uses it, and replays on a class server keep
        // apart from each other and from the server's own services.
        environment[SessionNetwork.environmentKey] = "1"
        self.environment = environment
        paths = TutorPaths(state: "\(directory)/state", workspace: "\(directory)/workspace", lessons: base.lessons,
                           engine: base.engine, locations: Locations.current(environment: environment))
    }

    /// Stops what the lesson left running (pods with their infra, containers, the sandbox registry, the session
    /// network), then deletes everything. A pod's infra is not removed by `rm -a`: left running, it would hold the pod's published port.
    public func remove() {
        Self.remove(directory, engine: paths.engine)
    }

    /// Stops what was left running in a sandbox's store (found by its directory alone, after a crash), then deletes it.
    public static func remove(_ directory: String, engine: String) {
        for arguments in [["podman", "pod", "rm", "-a", "-f"], ["podman", "rm", "-a", "-f"], ["registry", "stop"], ["session", "stop"]] {
            _ = try? Subprocess.run(["env", "PODLAB_ROOT=\(directory)/storage", "PODLAB_RUNROOT=\(directory)/run",
                                     "PODLAB_CONFIG=\(directory)/config", engine] + arguments)
        }
        try? FileSystem.removeTree(directory)
    }
}
