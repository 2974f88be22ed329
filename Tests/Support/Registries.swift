import Foundation
import PodlabCore

/// Registry servers for tests, on 127.0.0.1 and a free port, stopped when the test lets go of them.
public enum Registries {
    /// `podlab registry serve` with its storage in `directory`.
    public static func podlab(in directory: String, htpasswd: String? = nil, extra: [String] = []) throws -> ServerProcess {
        let name = Registries.uniqueName("registry", in: directory)
        var arguments = [BuildProducts.podlab, "registry", "serve", "--address", "127.0.0.1:0",
                         "--storage", "\(directory)/\(name)", "--log-requests"]
        if let htpasswd { arguments += ["--htpasswd", htpasswd] }
        let server = try ServerProcess(arguments + extra, logPath: "\(directory)/\(name).log", listeningPort: ServerProcess.portAfterListening)
        server.storage = "\(directory)/\(name)"
        return server
    }

    /// Debian's docker-registry (distribution 2.8), optionally with htpasswd auth.
    public static func distribution(in directory: String, htpasswd: String? = nil) throws -> ServerProcess {
        let name = Registries.uniqueName("distribution", in: directory)
        var config = """
        version: 0.1
        log:
          level: info
        storage:
          filesystem:
            rootdirectory: \(directory)/\(name)
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:0

        """
        if let htpasswd {
            config += "auth:\n  htpasswd:\n    realm: test-registry\n    path: \(htpasswd)\n"
        }
        let configPath = "\(directory)/\(name).yml"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        return try ServerProcess(["/usr/bin/docker-registry", "serve", configPath], logPath: "\(directory)/\(name).log",
                                 listeningPort: ServerProcess.portAfterListening)
    }

    /// A name not used yet in `directory` for a server's storage and log (`registry-1`, `registry-2`, …).
    static func uniqueName(_ prefix: String, in directory: String) -> String {
        var number = 1
        // O_EXCL: two servers started at once in one directory never get the same name.
        while true {
            let fd = open("\(directory)/\(prefix)-\(number).log", O_WRONLY | O_CREAT | O_EXCL, 0o644)
            if fd >= 0 { close(fd); return "\(prefix)-\(number)" }
            number += 1
        }
    }

    /// An htpasswd file made by Apache's htpasswd (bcrypt), as a teacher would make it.
    public static func htpasswd(at path: String, user: String, password: String) throws {
        let result = try TestProcess.run(["htpasswd", "-Bbc", path, user, password])
        guard result.status == 0 else { throw ServerStartFailure(log: "htpasswd failed: \(result)") }
    }
}
