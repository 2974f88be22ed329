import PodlabImages

/// A fixture image recipe (`fixtures/images/<name>/recipe.json`): which Debian packages and which of the
/// project's own files make up an offline stand-in for a tutorial image, and how it is configured.
public struct Recipe: Codable, Sendable {
    public struct Directory: Codable, Sendable {
        public var path: String
        public var mode: String?
    }

    public struct File: Codable, Sendable {
        /// Path inside the image, without a leading slash.
        public var path: String
        /// File beside the recipe.
        public var source: String
        public var mode: String?
    }

    public struct Copy: Codable, Sendable {
        public var from: String
        public var to: String
    }

    public struct Symlink: Codable, Sendable {
        public var path: String
        public var target: String
    }

    public struct Program: Codable, Sendable {
        /// Path inside the image of the static binary built from `source` (C, beside the recipe).
        public var path: String
        public var source: String
    }

    /// Every name the image is published under.
    public var names: [String]
    /// RFC 3339 date: the image's creation time and the newest file time in it (for reproducible digests).
    public var created: String
    public var title: String
    /// Honest description; `{version:PACKAGE}` is replaced with the Debian version actually used.
    public var description: String
    /// The image this one stands in for, e.g. `docker.io/library/nginx:1.24`.
    public var standsInFor: String?
    public var debs: [String]?
    /// When set, only these paths (and their parent directories) are taken from the packages.
    public var keep: [String]?
    /// Paths (and everything below them) left out of the image.
    public var prune: [String]?
    public var directories: [Directory]?
    public var files: [File]?
    public var copies: [Copy]?
    public var symlinks: [Symlink]?
    public var programs: [Program]?
    /// Path of a busybox binary in the image whose applets get symlinks (from `busybox --list-full`).
    public var busyboxLinks: String?
    public var config: ContainerConfig
}

extension Recipe {
    static func mode(_ text: String?, default value: UInt32) -> UInt32 {
        guard let text, let parsed = UInt32(text, radix: 8) else { return value }
        return parsed
    }
}
