import PodlabRuntime

/// Names kube play turns into podman names (pods, containers, volumes, secrets): podman's rule,
/// `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, at most 253 characters (a Kubernetes object name's limit).
public enum KubeNames {
    static func isValid(_ name: String) -> Bool {
        VolumeStore.isValidName(name) && name.utf8.count <= 253
    }

    /// A ConfigMap or Secret key (Kubernetes: `[-._a-zA-Z0-9]+`, at most 253): a file name, never `.` or `..`.
    public static func isValidKey(_ key: String) -> Bool {
        guard !key.isEmpty, key.utf8.count <= 253, key != ".", key != ".." else { return false }
        return key.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool { VolumeStore.isAlphanumeric(byte) }

    /// A variable name as Kubernetes allows it (`[-._a-zA-Z][-._a-zA-Z0-9]*`): no `=` or `,`, which would change
    /// what `-e` or `--secret …,target=` means.
    static func isValidVariable(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 253, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// An image as podman create takes it: not empty, not starting with `-`, no spaces or control characters.
    public static func isPlausibleImage(_ image: String) -> Bool {
        guard let first = image.utf8.first, first != UInt8(ascii: "-"), image.utf8.count <= 1024 else { return false }
        return image.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7f }
    }
}
