import Yams

/// One YAML mapping read with the keys a kind allows: each read marks its key used, and `finish` refuses any key
/// left over by name, path and line. Values of the wrong shape are refused the same way.
struct KubeFields {
    let node: Node
    let mapping: Node.Mapping
    /// Where this mapping is, as Kubernetes paths name it (`spec.containers[0]`); empty at a document's top.
    let path: String
    let file: String
    private var used: Set<String> = []

    init(_ node: Node, path: String, file: String) throws(KubeError) {
        guard case .mapping(let mapping) = node else {
            throw KubeError.at(node, in: file, "\(path.isEmpty ? "a document" : path) must be a mapping of keys to values")
        }
        self.node = node
        self.mapping = mapping
        self.path = path
        self.file = file
    }

    /// An absent mapping (`metadata` or `spec` left out), read as an empty one.
    init(emptyAt path: String, file: String) {
        mapping = Node.Mapping([])
        node = .mapping(mapping)
        self.path = path
        self.file = file
    }

    func name(of key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value under `key`, marking it used; nil when absent (or null).
    mutating func value(_ key: String) throws(KubeError) -> Node? {
        var found: Node?
        for (name, value) in mapping where name.string == key {
            // Anchors never reach here: KubeDecoder.refuseAnchors walks each document first.
            guard found == nil else { throw KubeError.at(name, in: file, "\(self.name(of: key)) is given twice") }
            found = value
        }
        used.insert(key)
        if let found, case .scalar(let scalar) = found, Self.isNull(scalar) { return nil }
        return found
    }

    mutating func string(_ key: String) throws(KubeError) -> String? {
        guard let node = try value(key) else { return nil }
        guard case .scalar(let scalar) = node else { throw KubeError.at(node, in: file, "\(name(of: key)) must be a string") }
        return scalar.string
    }

    mutating func requiredString(_ key: String) throws(KubeError) -> String {
        guard let text = try string(key), !text.isEmpty else {
            throw KubeError.at(node, in: file, "\(name(of: key)) is missing")
        }
        return text
    }

    mutating func int(_ key: String, in range: ClosedRange<Int>) throws(KubeError) -> Int? {
        guard let node = try value(key) else { return nil }
        guard let number = node.int, range.contains(number) else {
            throw KubeError.at(node, in: file, "\(name(of: key)) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    mutating func bool(_ key: String) throws(KubeError) -> Bool? {
        guard let node = try value(key) else { return nil }
        guard let value = node.bool else { throw KubeError.at(node, in: file, "\(name(of: key)) must be true or false") }
        return value
    }

    mutating func strings(_ key: String) throws(KubeError) -> [String]? {
        guard let node = try value(key) else { return nil }
        guard case .sequence(let items) = node else { throw KubeError.at(node, in: file, "\(name(of: key)) must be a list of strings") }
        var result: [String] = []
        for item in items {
            guard case .scalar(let scalar) = item else { throw KubeError.at(item, in: file, "\(name(of: key)) must be a list of strings") }
            result.append(Self.isNull(scalar) ? "" : scalar.string)
        }
        return result
    }

    mutating func fields(_ key: String) throws(KubeError) -> KubeFields? {
        guard let node = try value(key) else { return nil }
        return try KubeFields(node, path: name(of: key), file: file)
    }

    /// A list of mappings (`containers`, `env`, `ports` …), each read with its own allowed keys.
    mutating func list(_ key: String) throws(KubeError) -> [KubeFields] {
        guard let node = try value(key) else { return [] }
        guard case .sequence(let items) = node else { throw KubeError.at(node, in: file, "\(name(of: key)) must be a list") }
        var result: [KubeFields] = []
        for (index, item) in items.enumerated() {
            result.append(try KubeFields(item, path: "\(name(of: key))[\(index)]", file: file))
        }
        return result
    }

    /// A mapping of strings to strings (`labels`, `annotations`, `data`).
    mutating func stringMap(_ key: String) throws(KubeError) -> [String: String] {
        guard let node = try value(key) else { return [:] }
        guard case .mapping(let pairs) = node else { throw KubeError.at(node, in: file, "\(name(of: key)) must be a mapping of strings") }
        var result: [String: String] = [:]
        for (name, value) in pairs {
            guard case .scalar(let keyScalar) = name, case .scalar(let valueScalar) = value else {
                throw KubeError.at(name, in: file, "\(self.name(of: key)) must be a mapping of strings")
            }
            result[keyScalar.string] = Self.isNull(valueScalar) ? "" : valueScalar.string
        }
        return result
    }

    /// A key whose value must be empty (`{}`, or absent): podman's own output has `resources: {}`; anything in it
    /// would be a setting podlab does not apply.
    mutating func empty(_ key: String) throws(KubeError) {
        guard let node = try value(key) else { return }
        if case .mapping(let pairs) = node, pairs.isEmpty { return }
        throw KubeError.at(node, in: file, "\(name(of: key)) is not supported by podlab (only an empty {} is accepted)")
    }

    /// A plain `~`, `null` or nothing: YAML's null.
    static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// Refuses every key that was not read.
    func finish() throws(KubeError) {
        for (name, _) in mapping {
            let key = name.string ?? "?"
            guard used.contains(key) else {
                throw KubeError.at(name, in: file, "\(self.name(of: key)) is not supported by podlab",
                                   hint: "remove it, or see docs/KUBE.md for the kinds and fields podlab plays")
            }
        }
    }
}
