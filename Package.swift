// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "podlab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "podlab", targets: ["podlab"]),
        .executable(name: "podlab-net", targets: ["podlab-net"]),
        .executable(name: "podlab-tutor", targets: ["podlab-tutor"]),
        .executable(name: "podlab-kube", targets: ["podlab-kube"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // System libraries (Debian: libarchive-dev, libedit-dev, libseccomp-dev).
        // libarchive's headers, and its functions forwarded to libarchive.so.13 loaded on first use (lazy.c).
        .target(name: "CArchive"),
        .systemLibrary(name: "CEditLine", providers: [.apt(["libedit-dev"])]),
        // libedit's key reading, made so that a Ctrl-C is never lost (see include/lineinput.h).
        .target(name: "CLineInput", dependencies: ["CEditLine"]),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),

        // The one place that forks or spawns: podlab_spawn for programs, clone into namespaces for containers,
        // and the child side, in C (see include/cspawn.h).
        .target(name: "CSpawn", linkerSettings: [.linkedLibrary("util")]),

        .target(name: "PodlabCore", dependencies: [
            "CSpawn",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "PodlabArchive", dependencies: ["PodlabCore", "CArchive"]),
        .target(name: "PodlabImages", dependencies: ["PodlabCore", "PodlabArchive"]),
        // Two small C programs built by this plugin and embedded in PodlabRuntime: the exec trampoline every container
        // process execs last (ExecTrampoline.swift, docs/SECURITY.md) and the running container's monitor (MonitorProgram.swift).
        .plugin(name: "EmbeddedProgramsPlugin", capability: .buildTool()),
        .target(name: "PodlabRuntime", dependencies: ["PodlabCore", "PodlabImages", "CSpawn", "CSeccomp"],
                plugins: ["EmbeddedProgramsPlugin"]),
        .target(name: "PodlabBuild", dependencies: ["PodlabCore", "PodlabArchive", "PodlabImages", "PodlabRuntime"]),
        .target(name: "PodlabFixtures", dependencies: ["PodlabCore", "PodlabArchive", "PodlabImages"]),
        .systemLibrary(name: "CCrypt", providers: [.apt(["libcrypt-dev"])]),
        // The distribution protocol: what client and server share, the server (Hummingbird), the client
        // (AsyncHTTPClient) with credentials and registries.conf.
        .target(name: "PodlabDistribution", dependencies: ["PodlabCore", "PodlabImages"]),
        .target(name: "PodlabRegistryServer", dependencies: [
            "PodlabCore", "PodlabImages", "PodlabDistribution", "CCrypt",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        .target(name: "PodlabRegistryClient", dependencies: [
            "PodlabCore", "PodlabImages", "PodlabDistribution",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .target(name: "PodlabCLI", dependencies: [
            "PodlabCore", "PodlabImages", "PodlabFixtures", "PodlabRuntime", "PodlabBuild",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "podlab", dependencies: ["PodlabCLI"]),
        // The registry commands, in their own binary: the HTTP stack would slow every other command's start.
        .target(name: "PodlabNetCLI", dependencies: [
            "PodlabCLI", "PodlabCore", "PodlabImages", "PodlabFixtures", "PodlabDistribution", "PodlabRegistryServer",
            "PodlabRegistryClient", "CSpawn",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "podlab-net", dependencies: ["PodlabNetCLI", "PodlabCLI"]),
        // The guided shell, lessons, checks and classroom reports (Yams brings all of Foundation: its own binary too).
        .target(name: "PodlabTutor", dependencies: [
            "PodlabCore", "PodlabImages", "PodlabRuntime", "PodlabDistribution", "PodlabRegistryClient", "PodlabRegistryServer",
            "PodlabKube", "CEditLine", "CLineInput", "CSpawn",
            .product(name: "Yams", package: "Yams"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // Kubernetes YAML: podman kube generate|play|down, in their own binary (Yams brings all of Foundation).
        .target(name: "PodlabKube", dependencies: [
            "PodlabCore", "PodlabImages", "PodlabRuntime", "PodlabDistribution",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "PodlabKubeCLI", dependencies: [
            "PodlabCLI", "PodlabKube", "PodlabCore", "PodlabImages", "PodlabRuntime", "PodlabDistribution",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "podlab-kube", dependencies: ["PodlabKubeCLI", "PodlabCLI"]),
        .executableTarget(name: "podlab-tutor", dependencies: [
            "PodlabTutor", "PodlabClass", "PodlabCore", "PodlabRegistryClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // The class: accounts, submissions as stored and judged, the class's progress and its exports.
        .target(name: "PodlabClass", dependencies: [
            "PodlabCore", "PodlabImages", "PodlabDistribution", "PodlabRegistryServer", "PodlabRegistryClient", "PodlabTutor",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),

        // The parsers that read hostile input as functions of bytes, for libFuzzer and the corpus replay test.
        .target(name: "PodlabFuzzing", dependencies: ["PodlabArchive", "PodlabBuild", "PodlabCore", "PodlabDistribution", "PodlabImages",
                                                      "PodlabKube", "PodlabRegistryClient", "PodlabRegistryServer", "PodlabTutor", "PodlabClass"]),

        // Helpers for tests only: temporary directories, running podlab and other programs, fixture paths.
        .target(name: "PodlabTestSupport", dependencies: ["PodlabCore", "CSpawn"], path: "Tests/Support"),
        .testTarget(name: "PodlabArchiveTests", dependencies: ["PodlabArchive", "PodlabCore", "PodlabTestSupport", "CArchive"]),
        .testTarget(name: "PodlabImagesTests", dependencies: ["PodlabImages", "PodlabFixtures", "PodlabArchive", "PodlabCore", "PodlabTestSupport"]),
        .testTarget(name: "PodlabCLITests", dependencies: ["PodlabCLI", "PodlabImages", "PodlabRuntime", "PodlabCore", "PodlabTestSupport"]),
        .testTarget(name: "PodlabBuildTests", dependencies: ["PodlabBuild", "PodlabCore", "PodlabTestSupport"]),
        .testTarget(name: "PodlabRegistryTests", dependencies: [
            "PodlabRegistryServer", "PodlabRegistryClient", "PodlabDistribution", "PodlabImages", "PodlabCore", "PodlabTestSupport",
        ]),
        .testTarget(name: "PodlabTutorTests", dependencies: ["PodlabTutor", "PodlabCore", "PodlabTestSupport"]),
        .testTarget(name: "PodlabKubeTests", dependencies: ["PodlabKube", "PodlabRuntime", "PodlabImages", "PodlabCore", "PodlabTestSupport"]),
        .testTarget(name: "PodlabFuzzingTests", dependencies: ["PodlabFuzzing", "PodlabKube", "PodlabImages", "PodlabCore", "PodlabTestSupport"]),
        .testTarget(name: "PodlabClassTests", dependencies: [
            "PodlabClass", "PodlabTutor", "PodlabRegistryServer", "PodlabBuild", "PodlabCore", "PodlabImages", "PodlabTestSupport",
            .product(name: "Yams", package: "Yams"),
        ]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CArchive", "CEditLine", "CSeccomp"]),
    ],
    swiftLanguageModes: [.v6]
)

// `PODLAB_FUZZ=1 swift build --product podlab-fuzz` (scripts/fuzz.sh): libFuzzer's driver over PodlabFuzzing. Declared
// only then: it links only with libFuzzer. Only podlab's own modules get libFuzzer's coverage instrumentation: the
// dependencies (NIO, Hummingbird, AsyncHTTPClient, swift-crypto, Yams …) keep the flags of the ordinary debug build,
// so the fuzz build reuses what `swift build --build-tests` compiled in .build instead of compiling them all again.
if Context.environment["PODLAB_FUZZ"] != nil {
    let instrumented: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer"])]
    for target in package.targets where target.type == .regular && target.name.hasPrefix("Podlab") {
        target.swiftSettings = (target.swiftSettings ?? []) + instrumented
    }
    package.targets.append(.target(name: "CFuzzerDriver", path: "fuzz/Sources/CFuzzerDriver"))
    package.targets.append(.executableTarget(name: "podlab-fuzz", dependencies: ["PodlabFuzzing", "CFuzzerDriver"],
                                             path: "fuzz/Sources/podlab-fuzz", swiftSettings: instrumented,
                                             linkerSettings: [.unsafeFlags(["-sanitize=fuzzer", "-use-ld=lld"])]))
    package.products.append(.executable(name: "podlab-fuzz", targets: ["podlab-fuzz"]))
}
