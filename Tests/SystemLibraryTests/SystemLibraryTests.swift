import CArchive
import CEditLine
import CSeccomp
import Testing

/// The three C libraries podlab is built on link and report versions new enough for what podlab uses.
@Suite struct SystemLibraryTests {
    @Test func libarchiveIsRecentEnough() {
        // zstd support and archive_read_data_block with offsets: 3.3 or later.
        #expect(archive_version_number() >= 3_003_000)
    }

    @Test func libseccompReportsItsVersion() {
        guard let version = seccomp_version() else {
            Issue.record("seccomp_version returned nothing")
            return
        }
        #expect(version.pointee.major >= 2)
        #expect(version.pointee.major > 2 || version.pointee.minor >= 5)
    }

    @Test func libeditTokenizesALine() {
        guard let tokenizer = tok_init(nil) else {
            Issue.record("tok_init failed")
            return
        }
        defer { tok_end(tokenizer) }
        var argc: Int32 = 0
        var argv: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        let status = tok_str(tokenizer, "podman run --rm 'hello world'", &argc, &argv)
        #expect(status == 0)
        #expect(argc == 4)
        if let argv, argc == 4, let last = argv[3] {
            #expect(String(cString: last) == "hello world")
        }
    }
}
