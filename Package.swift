// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "podlab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "podlab", targets: ["podlab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // System libraries (Debian: libarchive-dev, libedit-dev, libseccomp-dev).
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CEditLine", providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),

        // The one place that forks: clone into namespaces and the child side, in C (see include/cspawn.h).
        .target(name: "CSpawn", linkerSettings: [.linkedLibrary("util")]),

        .target(name: "PodlabCore", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "PodlabArchive", dependencies: ["PodlabCore", "CArchive"]),
        .target(name: "PodlabImages", dependencies: ["PodlabCore", "PodlabArchive"]),
        .target(name: "PodlabRuntime", dependencies: ["PodlabCore", "PodlabImages", "CSpawn", "CSeccomp"]),
        .target(name: "PodlabBuild", dependencies: ["PodlabCore", "PodlabArchive", "PodlabImages", "PodlabRuntime"]),
        .target(name: "PodlabFixtures", dependencies: ["PodlabCore", "PodlabArchive", "PodlabImages"]),
        .target(name: "PodlabCLI", dependencies: [
            "PodlabCore", "PodlabImages", "PodlabFixtures", "PodlabRuntime", "PodlabBuild",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "podlab", dependencies: ["PodlabCLI"]),

        // Helpers for tests only: temporary directories, running podlab and other programs, fixture paths.
        .target(name: "PodlabTestSupport", dependencies: ["PodlabCore"], path: "Tests/Support"),
        .testTarget(name: "PodlabArchiveTests", dependencies: ["PodlabArchive", "PodlabCore", "PodlabTestSupport"]),
        .testTarget(name: "PodlabImagesTests", dependencies: ["PodlabImages", "PodlabFixtures", "PodlabArchive", "PodlabCore", "PodlabTestSupport"]),
        .testTarget(name: "PodlabCLITests", dependencies: ["PodlabCLI", "PodlabImages", "PodlabCore", "PodlabTestSupport"]),
        .testTarget(name: "PodlabBuildTests", dependencies: ["PodlabBuild", "PodlabCore", "PodlabTestSupport"]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CArchive", "CEditLine", "CSeccomp"]),
    ],
    swiftLanguageModes: [.v6]
)
