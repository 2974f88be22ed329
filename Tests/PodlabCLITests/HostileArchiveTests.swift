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
        let layout = OCILayout(path: directory.file("layout"))
        try layout.create()
        let lrzip = HostileArchiveTests.lrzipBytes
        let layer = Descriptor(mediaType: MediaType.ociLayerGzip, digest: try layout.writeBlob(lrzip), size: Int64(lrzip.count))
        let config = try JSONCoding.encode(ImageConfig(created: nil, architecture: Platform.host.architecture, os: "linux", config: nil,
                                                        rootfs: RootFS(diffIDs: [layer.digest]), history: nil))
        let manifest = try JSONCoding.encode(Manifest(
            config: Descriptor(mediaType: MediaType.ociConfig, digest: try layout.writeBlob(config), size: Int64(config.count)),
            layers: [layer]))
        try layout.writeIndex(ImageIndex(manifests: [
            Descriptor(mediaType: MediaType.ociManifest, digest: try layout.writeBlob(manifest), size: Int64(manifest.count),
                       annotations: [OCILayout.refNameAnnotation: "localhost/hostile:1"]),
        ]))
        let archive = directory.file("hostile.tar")
        #expect(try TestProcess.run(["tar", "-C", layout.path, "-cf", archive, "oci-layout", "index.json", "blobs"]).status == 0)

        var podman = Podman(root: directory.file("storage"))
        podman.extraEnvironment["PATH"] = path
        let load = try podman("load", "-i", archive)
        #expect(load.status == 125, "\(load)")
        #expect(!FileSystem.exists(marker), "podlab ran an external decompressor")
        #expect(try podman("images", "-q").stdout.isEmpty, "a layer that cannot be unpacked lists no image")
    }
}
