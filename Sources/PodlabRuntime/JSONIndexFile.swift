import PodlabCore
import PodlabImages

/// Records kept as one JSON array in a store directory (pods.json, secrets.json), changed under a lock file.
/// Nothing is made until the first change, so that opening the engine costs no file system work.
final class JSONIndexFile<Record: Codable>: @unchecked Sendable {
    let directory: String
    let path: String
    let lockPath: String
    /// What moving a damaged file aside forgets ("every pod"), for the error that names it.
    let holds: String

    init(directory: String, name: String, holds: String) {
        self.directory = directory
        path = "\(directory)/\(name).json"
        lockPath = "\(directory)/\(name).lock"
        self.holds = holds
    }

    /// Every record (none before the first change). A file that cannot be read or decoded is an error, never "no
    /// records": a change made on that guess would write the list back without everything it held.
    func all() throws -> [Record] {
        guard let bytes = try FileSystem.readFileIfPresent(path) else { return [] }
        return try RuntimeError.decodeStored([Record].self, from: bytes, path: path, holds: holds)
    }

    /// Changes the records under the lock and writes them back (the store directory made private first).
    func mutate<T>(_ change: (inout [Record]) throws -> T) throws -> T {
        try StoreAccess.prepare(directory)
        let lock = try FileLock(path: lockPath)
        try lock.lock(.exclusive)
        defer { lock.unlock() }
        var records = try all()
        let result = try change(&records)
        try FileSystem.writeAtomically(try JSONCoding.encode(records), to: path, mode: 0o600)
        return result
    }
}

/// podman's ways of naming a record on the command line: its name, its full ID, or an ID prefix only it has.
package enum RecordLookup {
    package static func find<R>(_ reference: String, in records: [R], name: (R) -> String, id: (R) -> String, shortestPrefix: Int = 1) -> R? {
        if let byName = records.first(where: { name($0) == reference }) { return byName }
        if let exact = records.first(where: { id($0) == reference }) { return exact }
        guard reference.count >= shortestPrefix else { return nil }
        let matches = records.filter { id($0).hasPrefix(reference) }
        return matches.count == 1 ? matches[0] : nil
    }
}
