import Foundation
import PodlabCore

/// Registry servers for tests, on 127.0.0.1 and a free port, stopped when the test lets go of them.
public enum Registries {
    /// `podlab registry serve` with its storage in `directory`.
    public static func podlab(in directory: String, htpasswd: String? = nil, extra: [String] = []) throws -> ServerProcess {
        let port = HTTP.freePort()
        var arguments = [BuildProducts.podlab, "registry", "serve", "--address", "127.0.0.1:\(port)",
                         "--storage", "\(directory)/registry-\(port)", "--log-requests"]
        if let htpasswd { arguments += ["--htpasswd", htpasswd] }
        return try ServerProcess(arguments + extra, port: port, logPath: "\(directory)/registry-\(port).log")
    }

    /// Debian's docker-registry (distribution 2.8), optionally with htpasswd auth.
    public static func distribution(in directory: String, htpasswd: String? = nil) throws -> ServerProcess {
        let port = HTTP.freePort()
        var config = """
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: \(directory)/distribution-\(port)
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:\(port)

        """
        if let htpasswd {
            config += "auth:\n  htpasswd:\n    realm: test-registry\n    path: \(htpasswd)\n"
        }
        let configPath = "\(directory)/distribution-\(port).yml"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        return try ServerProcess(["/usr/bin/docker-registry", "serve", configPath], port: port,
                                 logPath: "\(directory)/distribution-\(port).log")
    }

    /// An htpasswd file made by Apache's htpasswd (bcrypt), as a teacher would make it.
    public static func htpasswd(at path: String, user: String, password: String) throws {
        let result = try TestProcess.run(["htpasswd", "-Bbc", path, user, password])
        guard result.status == 0 else { throw ServerStartFailure(log: "htpasswd failed: \(result)") }
    }
}
