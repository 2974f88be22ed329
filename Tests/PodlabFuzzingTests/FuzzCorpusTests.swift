import PodlabCore
import PodlabFuzzing
import PodlabTestSupport
import Testing

/// Every input in the fuzz corpus (`fuzz/corpus/<target>/`: the seeds, and each finding kept as a regression) run
/// through its target, as libFuzzer runs it: a crash or a broken invariant stops this test process.
struct FuzzCorpusTests {
    static let corpus = BuildProducts.packageRoot + "/fuzz/corpus"

    @Test(arguments: FuzzTarget.allCases)
    func theCorpusRunsClean(target: FuzzTarget) throws {
        let directory = "\(Self.corpus)/\(target.rawValue)"
        let inputs = FileSystem.list(directory).sorted()
        #expect(inputs.count >= 3, "a seed corpus for \(target.rawValue) in \(directory)")
        for input in inputs {
            target.run(try FileSystem.readFile("\(directory)/\(input)"))
        }
    }
}
