import CSpawn
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

extension SessionNetwork {
    /// Runs a program inside the running session's network (`podlab session exec -- curl …`) with the caller's
    /// terminal, files and id, and returns its exit status (128+signal when killed).
    public func run(_ arguments: [String], environment: [String: String]) throws -> Int32 {
        guard let program = arguments.first else { throw RuntimeError.invalidOption("no command given", hint: "podlab session exec -- COMMAND [ARG...]") }
        guard let path = Self.lookUp(program, path: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") else {
            throw RuntimeError.cannotRun("\(program): command not found", hint: nil)
        }
        guard let state = try running() else {
            throw RuntimeError.cannotRun("no session network runs", hint: "'podlab session start' starts one")
        }
        let fds = try Self.verify(state)
        defer { close(fds.user); close(fds.net) }
        var pipe: [Int32] = [0, 0]
        guard podlab_pipe_cloexec(&pipe) == 0 else { throw SystemError("pipe", path: "session exec", errno: errno) }
        defer { close(pipe[0]) }
        let strings = CStrings()
        // As system(3): while the program runs, the terminal's Ctrl-C and Ctrl-\ are its, not podlab's.
        var ignore = sigaction(), interrupt = sigaction(), quit = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        sigaction(SIGINT, &ignore, &interrupt)
        sigaction(SIGQUIT, &ignore, &quit)
        defer {
            sigaction(SIGINT, &interrupt, nil)
            sigaction(SIGQUIT, &quit, nil)
        }
        let pid = podlab_session_run(fds.user, fds.net, pipe[1], path, strings.array(arguments),
                                     strings.array(environment.map { "\($0.key)=\($0.value)" }.sorted()))
        let failure = errno
        close(pipe[1])
        guard pid > 0 else { throw SystemError("run in the session network", path: program, errno: failure) }
        let refused = ContainerLauncher.readFailure(pipe[0])
        let code = podlab_wait_exit_code(pid)
        if let refused {
            // The launcher's words speak of images; here the program is the host's.
            if case .commandNotFound = refused { throw RuntimeError.cannotRun("\(program): command not found", hint: nil) }
            throw refused
        }
        guard code >= 0 else { throw SystemError("wait for", path: program, errno: errno) }
        return code
    }

    /// `name` as execvp finds it: itself when it has a slash, else the first executable file on `path`.
    static func lookUp(_ name: String, path: String) -> String? {
        if name.utf8.contains(UInt8(ascii: "/")) { return name }
        for directory in path.utf8.split(separator: UInt8(ascii: ":")) {
            let candidate = "\(String(decoding: directory, as: UTF8.self))/\(name)"
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
