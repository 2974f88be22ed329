#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The exec form of RUN/CMD/ENTRYPOINT/…: a JSON array of strings.
enum JSONArray {
    static func parse(_ text: String) -> [String]? {
        try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}
