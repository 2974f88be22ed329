import ArgumentParser
import PodlabClass
import PodlabCore
import PodlabRegistryServer
import PodlabTutor

/// `podlab class serve`: the class's registry and its submissions, in one process (see `ClassServer`).
struct ClassServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the class server: its registry (/v2/) and its submissions (/class/api/).",
        discussion: "Listens on 127.0.0.1 unless --address says otherwise. Every request signs in with a class account (podlab class account add).")
    @Option(help: "HOST:PORT to listen on (port 0: any free port, reported when listening).") var address = "127.0.0.1:5000"
    @OptionGroup var storage: ClassStorageOption
    @Option(help: "The lessons the class offers, comma-separated (default: every lesson).") var lessons: String?
    @Flag(help: "One line per request on standard error.") var logRequests = false
    @Flag(help: "Keep submissions without replaying them (they stay queued, never verified).") var noVerify = false
    @Option(help: "Seconds one replay may take before it is stopped and marked failed.") var replayTimeLimit = 600
    @Option(help: "The memory each container of a replay may use (podman's --memory: 512m, 2g).") var replayMemory = "1g"
    @Option(help: "The processes each container of a replay may have.") var replayPidsLimit = 1024
    @Option(help: "PEM certificate (chain) to serve HTTPS with; needs --tls-key.") var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert.") var tlsKey: String?

    func run() throws {
        try ClassCommandOutcome.run {
            guard let (host, port) = RegistryServer.address(address) else {
                throw ClassError("--address must be HOST:PORT, got \"\(address)\"")
            }
            guard replayTimeLimit > 0 else { throw ClassError("--replay-time-limit must be a positive number of seconds") }
            let bounds = try ReplayPlan.Bounds(memory: replayMemory, pids: replayPidsLimit)
            let paths = try TutorPaths.current()
            let catalog = try LessonCatalog(directory: paths.lessons)
            var options = ClassServer.Options(host: host, port: port, storage: storage.absolute, lessons: try offered(catalog),
                                              replay: noVerify ? nil : SubmissionReplay(paths: paths, timeLimit: replayTimeLimit,
                                                                                       sandboxes: "\(storage.absolute)/replays",
                                                                                       bounds: bounds))
            options.logRequests = logRequests
            options.lessonSteps = Dictionary(catalog.lessons.map { ($0.id, $0.steps.map(\.id)) }, uniquingKeysWith: { first, _ in first })
            switch (tlsCert, tlsKey) {
            case let (certificate?, key?):
                options.tls = try ServerTLS(certificate: certificate, key: key)
            case (nil, nil):
                if let warning = RegistryServer.plainTextWarning(host: host, withLogins: true) {
                    ClassCommandOutcome.standardError(warning)
                }
            default:
                throw ClassError("--tls-cert and --tls-key go together", hint: "give both (HTTPS) or neither (plain HTTP)")
            }
            let scheme = options.tls == nil ? "http" : "https"
            let server = ClassServer(options: options)
            try BlockingAsync.run {
                try await server.run { host, port, requeued in
                    if !requeued.isEmpty {
                        ClassCommandOutcome.standardError("\(requeued.count) submission\(requeued.count == 1 ? "" : "s") queued again after a restart")
                    }
                    ClassCommandOutcome.standardError("podlab class listening on \(scheme)://\(host):\(port)")
                }
            }
        }
    }

    /// The lessons named by --lessons, each one the catalogue has; every lesson when none is named.
    func offered(_ catalog: LessonCatalog) throws -> [String] {
        let known = catalog.lessons.map(\.id)
        guard let lessons else { return known }
        let named = lessons.split(separator: ",").map { $0.trimmed() }.filter { !$0.isEmpty }
        let unknown = named.filter { !known.contains($0) }
        guard unknown.isEmpty, !named.isEmpty else {
            throw ClassError("no lesson \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")) in the catalogue",
                             hint: "the lessons are: \(known.joined(separator: ", "))")
        }
        return named
    }
}
