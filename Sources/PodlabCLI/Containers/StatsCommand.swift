import ArgumentParser
import PodlabCore
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// `podman stats [--no-stream] [CONTAINER…]`: CPU, memory, network, storage and process counts of containers, in
/// podman 4.3.1's columns (every container, newest first, when none is named; zeros for those not running).
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Display resource usage of containers.")
    @Flag(name: .shortAndLong, help: "Show all containers (podman 4.3.1 shows them all anyway).") var all = false
    @Flag(name: .long, help: "Print one table and stop, instead of refreshing it.") var noStream = false
    @Option(name: .shortAndLong, help: "Seconds between refreshes.") var interval = 5
    @Option(help: "Change the output format to JSON or a Go template.") var format: String?
    @Argument var containers: [String] = []

    static let columns = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}\t{{.UpTime}}\t{{.AVGCPU}}"
    static let headers = ["ID": "ID", "Name": "NAME", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %",
                          "NetIO": "NET IO", "BlockIO": "BLOCK IO", "PIDs": "PIDS", "UpTime": "CPU TIME", "AVGCPU": "AVG CPU %"]

    func validate() throws {
        guard interval > 0 else { throw ValidationError("--interval must be at least 1") }
    }

    func run() throws {
        let engine = try Current.engine.containers()
        var previous: [String: (cpu: UInt64, at: Double)] = [:]
        while true {
            let records: [ContainerRecord]
            if containers.isEmpty {
                records = try engine.containers.all().filter { $0.settings.infra != true && !$0.isBuildStep }
                    .sorted { $0.created > $1.created }
            } else {
                records = try containers.map { name in
                    do {
                        return try engine.containers.find(name)
                    } catch RuntimeError.noSuchContainer {
                        throw CLIError.refused("unable to get list of containers: unable to look up container \(name): no container with name or ID \"\(name)\" found: no such container",
                                               hint: "see 'podman ps -a' for the containers there are")
                    }
                }
            }
            let now = ContainerProcesses.secondsSinceBoot()
            var rows: [TemplateValue] = []
            for record in records {
                let usage = ContainerUsage.measure(record)
                var window: (cpu: UInt64, seconds: Double)?
                if let usage, let last = previous[record.id] { window = (usage.cpuNanoseconds &- last.cpu, now - last.at) }
                if let usage { previous[record.id] = (usage.cpuNanoseconds, now) }
                rows.append(Self.row(record, usage: usage, window: window))
            }
            if !noStream && isatty(1) == 1 { Output.out("\u{1b}[2J\u{1b}[H", terminator: "") }
            if let format, GoTemplate.isJSON(format) {
                Output.out(TemplateValue.array(rows.map(Self.json)).json(indent: " "))
            } else {
                try GoTemplate(format ?? Self.columns, name: "stats").printRows(rows, headerOverrides: Self.headers)
            }
            if noStream { return }
            Output.flush()
            sleep(UInt32(clamping: interval))
        }
    }

    /// One container's figures; `window` (CPU nanoseconds over seconds since the last table) makes CPU % current.
    static func row(_ record: ContainerRecord, usage: ContainerUsage?, window: (cpu: UInt64, seconds: Double)?) -> TemplateValue {
        let cpuTime = usage?.cpuNanoseconds ?? 0
        let average = usage.map { $0.uptime > 0 ? Double($0.cpuNanoseconds) / 1e9 / $0.uptime * 100 : 0 } ?? 0
        let current = window.map { $0.seconds > 0 ? Double($0.cpu) / 1e9 / $0.seconds * 100 : 0 } ?? average
        let memory = usage.map { "\(HumanFormat.compactSize($0.memoryBytes)) / \(HumanFormat.compactSize($0.memoryLimit))" } ?? "0B / 0B"
        let memoryPercent = usage.map { $0.memoryLimit > 0 ? Double($0.memoryBytes) / Double($0.memoryLimit) * 100 : 0 } ?? 0
        let percent = { (value: Double) in HumanFormat.fixed(value, digits: 2) + "%" }
        return .object([
            ("ID", .string(record.shortID)),
            ("Name", .string(record.name)),
            ("CPUPerc", .string(percent(current))),
            ("MemUsage", .string(memory)),
            ("MemPerc", .string(percent(memoryPercent))),
            ("NetIO", .string("\(HumanFormat.compactSize(usage?.networkReceived ?? 0)) / \(HumanFormat.compactSize(usage?.networkSent ?? 0))")),
            ("BlockIO", .string("\(HumanFormat.compactSize(usage?.storageRead ?? 0)) / \(HumanFormat.compactSize(usage?.storageWritten ?? 0))")),
            ("PIDs", .string(String(usage?.pids ?? 0))),
            ("UpTime", .string(HumanFormat.goDuration(nanoseconds: Int64(cpuTime)))),
            ("AVGCPU", .string(percent(average))),
            ("Duration", .int(Int64(cpuTime))),
            ("MemLimit", .int(Int64(usage?.memoryLimit ?? 0))),
        ])
    }

    /// podman's `--format json` keys.
    static func json(_ row: TemplateValue) -> TemplateValue {
        let keys = [("id", "ID"), ("name", "Name"), ("cpu_time", "UpTime"), ("cpu_percent", "CPUPerc"), ("avg_cpu", "AVGCPU"),
                    ("mem_usage", "MemUsage"), ("mem_percent", "MemPerc"), ("net_io", "NetIO"), ("block_io", "BlockIO"), ("pids", "PIDs")]
        return .object(keys.map { key, field in (key, row[field] ?? .null) })
    }
}
