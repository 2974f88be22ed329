/// What `podman kube play` reads and `kube generate` writes, as podlab models it: the Kubernetes kinds and fields
/// podman 4.3.1 plays, no more (docs/KUBE.md lists them).
public enum KubeDocument: Sendable, Equatable {
    case pod(KubePod)
    /// `replicas` pods from one template, named `NAME-pod-0` … as podman names them.
    case deployment(name: String, replicas: Int, template: KubePod)
    /// A named volume, made when missing.
    case volumeClaim(name: String)
    /// A podman secret named `name` holding the document's keys (base64 `data` decoded, `stringData` as it is).
    case secret(name: String, data: [String: [UInt8]])
    /// Keys and values for the pods of the same file (`data` as it is, `binaryData` decoded): variables through
    /// `configMapKeyRef`, files through a `configMap` volume. Not kept after the play, as in podman 4.3.1.
    case configMap(name: String, data: [String: [UInt8]])
}

public struct KubePod: Sendable, Equatable {
    public var name: String
    public var labels: [String: String] = [:]
    public var hostname: String?
    public var containers: [KubeContainer] = []
    public var volumes: [KubeVolume] = []

    public init(name: String) {
        self.name = name
    }

    /// The pod's published ports: every container port with a `hostPort` (as Kubernetes; podman 4.3.1 also
    /// publishes a `containerPort` without one, on the same host port, which makes replicas collide).
    public var publishedPorts: [KubePort] {
        containers.flatMap(\.ports).filter { $0.hostPort != nil }
    }
}

public struct KubeContainer: Sendable, Equatable {
    public var name: String
    public var image: String
    /// Replaces the image's ENTRYPOINT and CMD (the whole command line), as in Kubernetes.
    public var command: [String]?
    /// Replaces the image's CMD.
    public var args: [String]?
    public var workingDir: String?
    public var env: [KubeEnv] = []
    public var ports: [KubePort] = []
    public var volumeMounts: [KubeVolumeMount] = []
    /// `Always`, `IfNotPresent` or `Never` (podman's --pull always, missing, never).
    public var imagePullPolicy: String?
    public var stdin = false
    public var tty = false

    public init(name: String, image: String) {
        self.name = name
        self.image = image
    }
}

public struct KubeEnv: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case value(String)
        /// A key of a secret: a podman secret of that name (all of its value), or one `kube play` made from a
        /// `kind: Secret` (the key's value).
        case secretKey(secret: String, key: String)
        /// A key of a ConfigMap of the same file; `optional` leaves the variable out when the map or key is missing.
        case configMapKey(map: String, key: String, optional: Bool)
    }

    public var name: String
    public var source: Source

    public init(name: String, source: Source) {
        self.name = name
        self.source = source
    }
}

public struct KubePort: Sendable, Equatable {
    public var containerPort: UInt16
    public var hostPort: UInt16?
    /// `tcp` or `udp`.
    public var proto: String = "tcp"
    public var hostIP: String?

    public init(containerPort: UInt16, hostPort: UInt16? = nil, proto: String = "tcp", hostIP: String? = nil) {
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.proto = proto
        self.hostIP = hostIP
    }
}

public struct KubeVolumeMount: Sendable, Equatable {
    public var name: String
    public var mountPath: String
    public var readOnly = false

    public init(name: String, mountPath: String, readOnly: Bool = false) {
        self.name = name
        self.mountPath = mountPath
        self.readOnly = readOnly
    }
}

public struct KubeVolume: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// A named podman volume (`persistentVolumeClaim.claimName`), made when missing.
        case claim(String)
        /// A host path (`hostPath`); `type` as Kubernetes spells it (`Directory`, `DirectoryOrCreate`, `File`, …).
        case hostPath(path: String, type: String?)
        /// A new anonymous volume for the pod (`emptyDir: {}`).
        case emptyDir
        /// A ConfigMap of the same file as files, one per key (or per `items` entry: key → relative path), read-only.
        case configMap(name: String, items: [KubeKeyToPath])
        /// A Secret (`secret.secretName`) as files, one per key (or per `items` entry), read-only; made by a
        /// `kind: Secret` of this file or an earlier play. `optional` leaves the mount out when it is missing.
        case secret(name: String, items: [KubeKeyToPath], optional: Bool)
    }

    public var name: String
    public var source: Source
    /// `persistentVolumeClaim.readOnly`: every mount of it is read-only.
    public var readOnly: Bool

    public init(name: String, source: Source, readOnly: Bool = false) {
        self.name = name
        self.source = source
        self.readOnly = readOnly
    }
}

/// One `items` entry of a `configMap` or `secret` volume: the key's value is written at `path`, relative to the mount.
public struct KubeKeyToPath: Sendable, Equatable {
    public var key: String
    public var path: String

    public init(key: String, path: String) {
        self.key = key
        self.path = path
    }
}
