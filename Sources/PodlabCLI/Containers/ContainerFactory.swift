import PodlabCore
import PodlabImages
import PodlabRuntime

/// Turns `run`/`create` flags and the image's config into a container, as podman combines them.
package enum ContainerFactory {
    /// `command` names the command in a usage error (`podman run`, `podman create`).
    package static func create(_ options: RunOptions, command: String = "podman run") throws -> ContainerRecord {
        guard let imageName = options.imageThenCommand.first else {
            throw CLIError.usage("requires at least 1 arg(s), only received 0", command: command)
        }
        let flags = try Flags(options)
        let (image, displayName) = try ImagePuller.ensure(imageName, policy: options.pull, quiet: options.quiet)
        let engine = try Current.engine.containers()
        let config = try engine.images.config(of: image).config ?? ContainerConfig()
        var settings = try settings(options, flags: flags, config: config, engine: engine)
        let pod = try options.pod.map { name in
            do { return try engine.pods.find(name) } catch { throw refusal(error) }
        }
        if let pod {
            guard options.publish.isEmpty else {
                throw RuntimeError.invalidOption("invalid config provided: published or exposed ports must be defined when the pod is created: network cannot be configured when it is shared with a pod",
                                                 hint: "publish the port on the pod: podman pod create -p 8080:80 --name \(pod.name)")
            }
        }
        // Volumes are made last, once every other check has passed, and removed again if the container is not made.
        let volumes = try MountOptions.volumeMounts(flags.mounts, imageVolumes: Array((config.Volumes ?? [:]).keys), engine: engine)
        settings.volumes = volumes.mounts
        if let pod {
            settings.pod = pod.id
            settings.hostname = pod.name
            settings.volumes.append(VolumeMount(source: engine.pods.hostsPath(of: pod), destination: ContainerHosts.destination, readOnly: true))
        }
        let record: ContainerRecord
        do {
            record = try engine.create(image: image, imageName: displayName, settings: settings, name: options.name)
        } catch {
            MountOptions.removeMade(volumes.made, engine: engine)
            throw refusal(error)   // its pod may have been removed since it was looked up
        }
        if let warning = engine.mapping.warning { Output.err("WARN: \(warning)") }
        return record
    }

    /// A pod that is not there, whether looked up or removed by a `pod rm` at the same moment: `pod rm` of a missing
    /// pod is exit 1, but a container that cannot be made is 125 (podman 4.3.1).
    private static func refusal(_ error: any Error) -> any Error {
        guard let error = error as? RuntimeError, case .noSuchPod = error else { return error }
        return RuntimeError.invalidOption(error.message, hint: error.hint)
    }

    /// What the flags alone decide, checked before any image is pulled (as podman refuses a bad flag first).
    struct Flags {
        let network: String
        let ports: [PortMapping]
        let memory: Int64?
        let pids: Int?
        let capabilities: [String]
        let seccomp: String?
        let stopSignal: Int32?
        let mounts: [MountOptions.Request]
        /// `--label-file`s in order, then `--label`s: a later one replaces an earlier one's value.
        let labels: [String: String]

        init(_ options: RunOptions) throws {
            guard ["private", "none", "host", "bridge", "slirp4netns", "pasta"].contains(options.network) else {
                throw RuntimeError.invalidOption("unknown network mode \"\(options.network)\"", hint: "use --network private, none or host")
            }
            network = ["none", "host"].contains(options.network) ? options.network : "private"
            ports = try options.publish.map(PortListener.parse)
            if !ports.isEmpty && network == "none" {
                throw RuntimeError.invalidOption("cannot publish ports with --network none", hint: "leave out --network none to reach the container through -p")
            }
            var limits: (memory: Int64?, pids: Int?) = (try options.memory.map(CgroupLimits.parseMemory), options.pidsLimit)
            if limits.memory != nil || limits.pids != nil, let reason = CgroupLimits.unavailableReason() {
                Output.err("WARN: \(reason): --memory and --pids-limit are not applied")
                limits = (nil, nil)
            }
            (memory, pids) = limits
            capabilities = try Capabilities.resolve(add: options.capAdd, drop: options.capDrop)
            seccomp = try ContainerFactory.seccomp(options.securityOpt)
            stopSignal = try options.stopSignal.map(ContainerFactory.signal)
            mounts = try MountOptions.requests(volumes: options.volume, mounts: options.mount)
            var labels: [String: String] = [:]
            for file in options.labelFile {
                labels.merge(try NamedValues.parseFile(file, option: "--label-file")) { $1 }
            }
            labels.merge(try NamedValues.parse(options.label, option: "--label")) { $1 }
            self.labels = labels
        }
    }

    static func settings(_ options: RunOptions, flags: Flags, config: ContainerConfig, engine: ContainerEngine) throws -> ContainerSettings {
        let arguments = Array(options.imageThenCommand.dropFirst())
        let entrypoint = options.entrypoint.map { $0.isEmpty ? [] : [$0] } ?? config.Entrypoint ?? []
        let cmd = arguments.isEmpty ? (options.entrypoint != nil ? [] : config.Cmd ?? []) : arguments
        let command = entrypoint + cmd
        guard !command.isEmpty else {
            throw RuntimeError.invalidOption("no command or entrypoint provided, and no CMD or ENTRYPOINT from image",
                                             hint: "give a command after the image: podman run IMAGE sh")
        }
        var settings = ContainerSettings(
            command: command,
            env: try environment(options, image: config.Env ?? []),
            workingDir: options.workdir ?? (config.WorkingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"),
            user: options.user ?? config.User ?? "",
            hostname: options.hostname ?? "",
            ports: flags.ports,
            volumes: [],
            readOnly: options.readOnly,
            network: flags.network,
            capabilities: flags.capabilities,
            seccomp: flags.seccomp,
            initProcess: options.`init`,
            tty: options.tty,
            interactive: options.interactive,
            autoRemove: options.rm,
            stopSignal: try flags.stopSignal ?? signal(config.StopSignal ?? "SIGTERM"),
            stopTimeout: options.stopTimeout)
        settings.memoryLimit = flags.memory
        settings.pidsLimit = flags.pids
        let labels = (config.Labels ?? [:]).merging(flags.labels) { $1 }
        settings.labels = labels.isEmpty ? nil : labels
        settings.secrets = options.secret.isEmpty ? nil : try options.secret.map(engine.secrets.parseUse)
        return settings
    }

    static func environment(_ options: RunOptions, image: [String]) throws -> [String] {
        var result = image
        if !result.contains(where: { $0.hasPrefix("PATH=") }) {
            result.insert("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", at: 0)
        }
        func set(_ entry: String) {
            let key = entry.splitOnce(at: "=").before
            result.removeAll { $0.splitOnce(at: "=").before == key }
            result.append(entry)
        }
        for file in options.envFile {
            let bytes = try FileSystem.readFile(file)
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let text = line.trimmed()
                if text.isEmpty || text.hasPrefix("#") { continue }
                try set(expand(text))
            }
        }
        for entry in options.env { try set(expand(entry)) }
        result.append("container=podman")
        return result
    }

    /// `NAME` alone copies our value, as podman does; `NAME=value` is taken as it is.
    static func expand(_ entry: String) throws -> String {
        guard !entry.isEmpty else { throw RuntimeError.invalidOption("empty environment variable name", hint: nil) }
        if entry.hasPrefix("=") {
            throw RuntimeError.invalidOption("invalid environment variable: \"\(entry)\"", hint: "write -e NAME=VALUE")
        }
        if entry.contains("=") { return entry }
        return Environment.current[entry].map { "\(entry)=\($0)" } ?? entry + "="
    }

    static func seccomp(_ options: [String]) throws -> String? {
        var result: String?
        for option in options {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0] == "seccomp" else {
                throw RuntimeError.invalidOption("unsupported --security-opt \"\(option)\"", hint: "podlab knows seccomp=unconfined and seccomp=PROFILE.json")
            }
            if parts[1] == "unconfined" {
                result = "unconfined"
            } else {
                guard let path = FileSystem.realPath(parts[1]) else {
                    throw RuntimeError.invalidOption("opening seccomp profile failed: \(parts[1]): no such file or directory", hint: nil)
                }
                _ = try SeccompProfile.load(path: path)
                result = path
            }
        }
        return result
    }

    static let signals: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11,
        "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "CHLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "WINCH": 28,
    ]

    /// `SIGTERM`, `TERM` or `15`.
    static func signal(_ text: String) throws -> Int32 {
        if let number = Int32(text), number > 0, number < 65 { return number }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        guard let number = signals[name] else {
            throw RuntimeError.invalidOption("invalid signal: \(text)", hint: "use a name like SIGTERM or a number like 15")
        }
        return number
    }
}
