import PodlabArchive
import PodlabCore

/// A downloaded `.deb`: its control fields and its data.tar member.
struct DebianPackage {
    let path: String
    let name: String
    let version: String
    /// The data.tar.* member's bytes (compressed).
    let data: [UInt8]

    init(path: String) throws {
        self.path = path
        let outer = try ArchiveReader(path: path, format: .ar)
        var control: [UInt8]?
        var data: [UInt8]?
        while let member = try outer.nextEntry() {
            if member.path.hasPrefix("control.tar") {
                control = try outer.readAllData()
            } else if member.path.hasPrefix("data.tar") {
                data = try outer.readAllData(limit: 512 << 20)
            }
        }
        guard let control, let data else { throw ArchiveError.notADebianPackage(path) }
        let fields = try DebianPackage.controlFields(control, name: path)
        guard let name = fields["Package"], let version = fields["Version"] else { throw ArchiveError.notADebianPackage(path) }
        self.name = name
        self.version = version
        self.data = data
    }

    /// Reader over the package's files (paths as `./usr/...`).
    func dataReader() throws -> ArchiveReader {
        try ArchiveReader(bytes: data, name: "\(path) data", format: .tar)
    }

    static func controlFields(_ controlTar: [UInt8], name: String) throws -> [String: String] {
        let reader = try ArchiveReader(bytes: controlTar, name: "\(name) control", format: .tar)
        while let entry = try reader.nextEntry() {
            guard entry.path == "./control" || entry.path == "control" else { continue }
            let text = String(decoding: try reader.readAllData(), as: UTF8.self)
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix(" ") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmed()
            }
            return fields
        }
        throw ArchiveError.notADebianPackage(name)
    }
}

