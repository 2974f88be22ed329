import CSpawn
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// The learner's shell: every line runs in a fresh /bin/sh with the terminal handed over (vim, nano,
/// `cat > file`, pipes, `podman run -it` all work), and the directory and exported variables it ends
/// with are carried to the next line, as in one long-lived shell.
public final class ShellSession {
    public private(set) var directory: String
    public private(set) var environment: [String: String]
    let stateFile: String

    /// The line is passed in a variable, so nothing in it needs quoting; fd 3 (where the shell reports
    /// its directory and exports at the end) is closed for the line itself.
    static let script = """
    eval "$__PODLAB_LINE" 3>&-
    __podlab_status=$?
    { printf '%s\\0' "$PWD"; env -0; } >&3 2>/dev/null
    exit $__podlab_status
    """
    static let internalNames: Set<String> = ["__PODLAB_LINE", "_", "SHLVL", "OLDPWD"]

    public init(directory: String, environment: [String: String], stateFile: String) {
        self.directory = directory
        self.environment = environment
        self.stateFile = stateFile
        self.environment["PWD"] = directory
    }

    /// Runs one line; returns its exit status. `terminal` hands the terminal to it (Ctrl-C reaches it).
    @discardableResult
    public func run(_ line: String, terminal: Bool) -> Int32 {
        let stateFD = open(stateFile, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { if stateFD >= 0 { close(stateFD) } }
        var childEnvironment = environment
        childEnvironment["__PODLAB_LINE"] = line
        childEnvironment["PWD"] = directory
        let words: [String] = ["/bin/sh", "-c", Self.script, "sh"]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = childEnvironment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        let workingDirectory = FileSystem.isDirectory(directory) ? directory : "/"
        let status = podlab_run_foreground("/bin/sh", argv, envp, workingDirectory, stateFD, terminal ? 0 : -1)
        if status < 0 { return 127 }
        if stateFD >= 0 { absorbState(stateFD) }
        return status
    }

    func absorbState(_ fd: Int32) {
        lseek(fd, 0, SEEK_SET)
        guard let bytes = try? FileSystem.readAll(fd: fd, path: stateFile), !bytes.isEmpty else { return }
        let parts = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard let first = parts.first, first.hasPrefix("/") else { return }
        directory = first
        var updated: [String: String] = [:]
        for entry in parts.dropFirst() where !entry.isEmpty {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            let name = String(entry[..<equals])
            if Self.internalNames.contains(name) { continue }
            updated[name] = String(entry[entry.index(after: equals)...])
        }
        updated["PWD"] = directory
        environment = updated
    }

    public func change(directory: String) {
        self.directory = directory
        environment["PWD"] = directory
    }
}
