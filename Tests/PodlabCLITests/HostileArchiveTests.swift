import Foundation
import PodlabCore
import PodlabImages
import PodlabTestSupport
import Testing

/// An archive or layer whose first bytes are lrzip's makes libarchive's "all filters" reader run an
/// external `lrzip -d` from PATH. podlab registers only built-in decoders: with a program of that name
/// first in PATH, neither `load` nor unpacking a layer runs it.
struct HostileArchiveTests {
    let directory = TemporaryDirectory("podlab-hostile-archive")
    /// lrzip's magic, major version 0, minor 6: what libarchive's lrzip bidder asks for.
    static let lrzipBytes: [UInt8] = Array("LRZI".utf8) + [0, 6] + [UInt8](repeating: 0, count: 250)

    var marker: String { directory.file("decompressor-ran") }

    /// A directory holding a fake `lrzip` that leaves a marker, and an environment with it first in PATH.
    func fakeDecompressorPath() throws -> String {
        let bin = directory.file("bin")
        try FileSystem.createDirectory(bin)
        let script = "#!/bin/sh\necho ran > '\(marker)'\ncat >/dev/null\n"
        try FileSystem.writeAtomically(Array(script.utf8), to: "\(bin)/lrzip")
        chmod("\(bin)/lrzip", 0o755)
        return "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
    }

    /// The control: libarchive with every filter registered runs the program (through Python's ctypes, in a
    /// process of its own, so this test's PATH stays as it is).
    @Test func libarchiveWithEveryFilterRunsTheProgramButPodlabDoesNot() throws {
        let path = try fakeDecompressorPath()
        let sample = directory.file("sample.lrz")
        try FileSystem.writeAtomically(HostileArchiveTests.lrzipBytes, to: sample)
        let control = """
        import ctypes
        a = ctypes.CDLL("libarchive.so.13"); a.archive_read_new.restype = ctypes.c_void_p
        h = ctypes.c_void_p(a.archive_read_new())
        a.archive_read_support_filter_all(h); a.archive_read_support_format_raw(h)
        a.archive_read_open_filename(h, b"\(sample)", 4096)
        e = ctypes.c_void_p(); a.archive_read_next_header(h, ctypes.byref(e))
        """
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = path
        _ = try TestProcess.run(["python3", "-c", control], environment: environment)
        #expect(FileSystem.exists(marker), "the control did not run the fake lrzip: the probe proves nothing")
        unlink(marker)

        var podman = Podman(root: directory.file("storage"))
        podman.extraEnvironment["PATH"] = path
        let load = try podman("load", "-i", sample)
        #expect(load.status == 125, "\(load)")
        #expect(!FileSystem.exists(marker), "podlab ran an external decompressor")
    }

    /// The same bytes as a layer of an OCI archive (media type tar+gzip): the blob is stored, unpacking it fails,
    /// and no program runs.
    @Test func aLayerInLrzipIsNeverHandedToAProgram() throws {
        let path = try fakeDecompressorPath()
        let layout = directory.file("layout")
        try FileSystem.createDirectory("\(layout)/blobs/sha256")
        func blob(_ bytes: [UInt8]) throws -> (digest: String, size: Int) {
            let digest = Digest.sha256(of: bytes)
            try FileSystem.writeAtomically(bytes, to: "\(layout)/blobs/sha256/\(digest.hex)")
            return (digest.description, bytes.count)
        }
        let layer = try blob(HostileArchiveTests.lrzipBytes)
        let architecture = Platform.host.architecture
        let config = try blob(Array("""
        {"architecture":"\(architecture)","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["\(layer.digest)"]}}
        """.utf8))
        let manifest = try blob(Array("""
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
        "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(config.digest)","size":\(config.size)},\
        "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\(layer.digest)","size":\(layer.size)}]}
        """.utf8))
        try FileSystem.writeAtomically(Array("""
        {"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(manifest.digest)",\
        "size":\(manifest.size),"annotations":{"org.opencontainers.image.ref.name":"localhost/hostile:1"}}]}
        """.utf8), to: "\(layout)/index.json")
        try FileSystem.writeAtomically(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: "\(layout)/oci-layout")
        let archive = directory.file("hostile.tar")
        #expect(try TestProcess.run(["tar", "-C", layout, "-cf", archive, "oci-layout", "index.json", "blobs"]).status == 0)

        var podman = Podman(root: directory.file("storage"))
        podman.extraEnvironment["PATH"] = path
        let load = try podman("load", "-i", archive)
        #expect(load.status == 125, "\(load)")
        #expect(!FileSystem.exists(marker), "podlab ran an external decompressor")
        #expect(try podman("images", "-q").stdout.isEmpty, "a layer that cannot be unpacked lists no image")
    }
}
