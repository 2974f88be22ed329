import CSpawn
#if canImport(Glibc)
import Glibc
#endif

/// C strings and NULL-terminated arrays for the spawn spec, freed together when no longer needed.
final class CStrings {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit {
        for pointer in allocations { free(pointer) }
    }

    func string(_ text: String) -> UnsafeMutablePointer<CChar> {
        guard let copy = strdup(text) else { fatalError("out of memory") }
        allocations.append(UnsafeMutableRawPointer(copy))
        return copy
    }

    func optional(_ text: String?) -> UnsafePointer<CChar>? {
        text.map { UnsafePointer(string($0)) }
    }

    /// A NULL-terminated array of C strings.
    func array(_ texts: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: texts.count + 1)
        allocations.append(UnsafeMutableRawPointer(array))
        for (index, text) in texts.enumerated() { array[index] = string(text) }
        array[texts.count] = nil
        return array
    }

    func constArray(_ texts: [String]) -> UnsafeMutablePointer<UnsafePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: texts.count + 1)
        allocations.append(UnsafeMutableRawPointer(array))
        for (index, text) in texts.enumerated() { array[index] = UnsafePointer(string(text)) }
        array[texts.count] = nil
        return array
    }

    /// A seccomp program (8-byte instructions) as the kernel takes it; nil for none (unconfined).
    func seccomp(_ program: [UInt8]) -> UnsafePointer<sock_fprog>? {
        guard !program.isEmpty else { return nil }
        let filters = program.withUnsafeBytes { buffer(Array($0.bindMemory(to: sock_filter.self))) }
        return UnsafePointer(buffer([sock_fprog(len: UInt16(program.count / 8), filter: filters)]))
    }

    /// Memory that lives as long as this object.
    func buffer<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(values.count, 1))
        allocations.append(UnsafeMutableRawPointer(pointer))
        for (index, value) in values.enumerated() { (pointer + index).initialize(to: value) }
        return pointer
    }
}
