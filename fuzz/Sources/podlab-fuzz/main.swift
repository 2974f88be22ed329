import CFuzzerDriver
import PodlabFuzzing
#if canImport(Glibc)
import Glibc
#endif

/// podlab-fuzz: libFuzzer's loop over one PodlabFuzzing target, named by `PODLAB_FUZZ_TARGET` (scripts/fuzz.sh).
/// Any libFuzzer option may follow (`-runs=1000 CORPUS…`). A finding is printed and aborts, so libFuzzer keeps
/// the input.
enum Selected {
    static let target: FuzzTarget = {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        guard let name = getenv("PODLAB_FUZZ_TARGET").map({ String(cString: $0) }) else {
            printError("podlab-fuzz: set PODLAB_FUZZ_TARGET to one of: \(names)\n")
            exit(2)
        }
        guard let target = FuzzTarget(rawValue: name) else {
            printError("podlab-fuzz: no target '\(name)'; the targets are: \(names)\n")
            exit(2)
        }
        return target
    }()
}

/// Writes to standard error unbuffered (an abort may follow).
func printError(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// The target entry libFuzzer's own library names (its main, which SwiftPM's main replaces, refers to it).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if let finding = Selected.target.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []) {
        printError("fuzz finding (\(Selected.target.rawValue)): \(finding)\n")
        abort()
    }
    return 0
}

_ = Selected.target
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
