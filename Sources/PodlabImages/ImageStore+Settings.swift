import PodlabArchive
import PodlabCore

/// `storage.json`: facts about a store that must not change under it (how layer owners were written).
struct StoreSettings: Codable, Equatable {
    var version: Int
    var ownership: String

    static func describe(_ ownership: LayerOwnership) -> String {
        switch ownership {
        case .ignore: return "unmapped"
        case .shift(let offset, let count): return "shifted:\(offset):\(count)"
        }
    }
}

extension ImageStore {
    static func checkSettings(root: String, ownership: LayerOwnership, lock: FileLock) throws {
        let path = "\(root)/storage.json"
        let wanted = StoreSettings(version: 1, ownership: StoreSettings.describe(ownership))
        if FileSystem.exists(path) {
            let found = try JSONCoding.decode(StoreSettings.self, from: try FileSystem.readFile(path), what: "store settings \(path)")
            guard found == wanted else {
                throw ImageError.storeMismatch("\(root) was created with layer owners \(found.ownership), but this user needs \(wanted.ownership)")
            }
            return
        }
        try lock.withLock(.exclusive) { () throws -> Void in
            if !FileSystem.exists(path) {
                try FileSystem.writeAtomically(try JSONCoding.encode(wanted), to: path)
            }
        }
    }
}
