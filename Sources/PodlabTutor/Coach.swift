/// Looks at a `podman run` line before it runs and says what is likely wrong for the step: ports the
/// wrong way round, a server without `-d`, another name or image than the step's.
public enum Coach {
    public static func advice(for line: String, spec: CoachSpec, language: Language) -> [String] {
        let words = ShellWords.split(line)
        guard let podman = words.firstIndex(where: { $0 == "podman" || $0 == "docker" || $0.hasSuffix("/podman") }),
              podman + 1 < words.count, words[podman + 1] == "run" || (words[podman + 1] == "container" && words.dropFirst(podman + 2).first == "run")
        else { return [] }
        let arguments = Array(words[(podman + 2)...].drop { $0 == "run" })
        var name: String?
        var ports: [String] = []
        var detached = false
        var image: String?
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            let (flag, inline) = word.hasPrefix("--") && word.contains("=")
                ? (String(word.prefix { $0 != "=" }), String(word.drop { $0 != "=" }.dropFirst())) : (word, nil)
            if flag.hasPrefix("-") && flag.count > 1 {
                // Short flags may be combined (-dit, -dp 8080:80): each letter is a flag, and one that takes a
                // value takes the rest of the word or the next word.
                var flags: [(String, String?)] = []
                if !flag.hasPrefix("--") && flag.count > 2 {
                    var letters = Substring(flag.dropFirst())
                    while let letter = letters.popFirst() {
                        let short = "-\(letter)"
                        if PodmanFlags.takesValue(short, command: "run") {
                            flags.append((short, letters.isEmpty ? nil : String(letters)))
                            break
                        }
                        flags.append((short, nil))
                    }
                } else {
                    flags = [(flag, inline)]
                }
                for (single, attached) in flags {
                    var value = attached
                    if PodmanFlags.takesValue(single, command: "run") && value == nil {
                        value = index + 1 < arguments.count ? arguments[index + 1] : nil
                        index += 1
                    }
                    switch single {
                    case "--name": name = value
                    case "-p", "--publish": if let value { ports.append(value) }
                    case "-d", "--detach": detached = true
                    default: break
                    }
                }
            } else {
                image = word
                break
            }
            index += 1
        }
        var advice: [String] = []
        func say(_ zh: String, _ en: String) { advice.append(language == .zh ? zh : en) }
        if let expected = spec.ports {
            for wanted in expected where !ports.contains(wanted) {
                let reversed = wanted.split(separator: ":").reversed().joined(separator: ":")
                if ports.contains(reversed) {
                    say("端口写反了：-p \(reversed) 打开的是宿主的 \(reversed.split(separator: ":")[0]) 端口。宿主端口在前：-p \(wanted)",
                        "the ports are the wrong way round: -p \(reversed) opens host port \(reversed.split(separator: ":")[0]). Host port first: -p \(wanted)")
                } else if ports.isEmpty {
                    say("没有 -p \(wanted)：从宿主访问不到容器里的服务", "no -p \(wanted): nothing on your machine will reach the server inside")
                } else {
                    say("这一步要的是 -p \(wanted)", "this step wants -p \(wanted)")
                }
            }
        }
        if spec.detach == true && !detached {
            say("没有 -d：服务器会一直占着终端（要用 Ctrl-C 停止）", "no -d: the server will hold your terminal (Ctrl-C stops it)")
        }
        if let expected = spec.name, name != expected {
            say(name.map { "名字是 \($0)，这一步用的是 --name \(expected)" } ?? "没有 --name：这一步用的是 --name \(expected)",
                name.map { "the name is \($0); this step uses --name \(expected)" } ?? "no --name: this step uses --name \(expected)")
        }
        if let expected = spec.image, let image, !sameImage(image, expected) {
            say("镜像是 \(image)，这一步用的是 \(expected)", "the image is \(image); this step uses \(expected)")
        }
        return advice
    }

    static func sameImage(_ a: String, _ b: String) -> Bool {
        CheckEvaluator.fullName(a) == CheckEvaluator.fullName(b)
    }
}

/// podman's options that take a value (`--name web`, `-p 8080:80`), for reading a command line as podman would.
enum PodmanFlags {
    static let withValue: Set<String> = [
        "--name", "-p", "--publish", "-e", "--env", "--env-file", "-v", "--volume", "-w", "--workdir", "-u", "--user",
        "--entrypoint", "--network", "--net", "--pull", "--hostname", "--cap-add", "--cap-drop", "--security-opt",
        "-m", "--memory", "--pids-limit", "--stop-timeout", "--stop-signal", "-t", "--tag", "-f", "--file",
        "--username", "--format", "--authfile", "--creds", "--digestfile", "--build-arg", "--target", "--label",
        "--label-file",
    ]

    static func takesValue(_ flag: String, command: String) -> Bool {
        // `-t` names a tag for build but asks for a terminal in run; `-h` is run's hostname.
        if flag == "-t" { return command != "run" && command != "create" && command != "exec" }
        if flag == "-h" { return command == "run" || command == "create" }
        // `-l` is a label in run and create, but `--latest` (no value) in ps, logs, top and the like.
        if flag == "-l" { return command == "run" || command == "create" }
        return withValue.contains(flag)
    }
}

/// Splits a command line into words as sh would for simple lines (quotes, backslashes; `$VAR` kept as is).
public enum ShellWords {
    public static func split(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped { current.append(character); escaped = false; continue }
            if let open = quote {
                if character == open { quote = nil } else if character == "\\" && open == "\"" { escaped = true } else { current.append(character) }
                continue
            }
            switch character {
            case "\\": escaped = true; inWord = true
            case "\"", "'": quote = character; inWord = true
            case " ", "\t":
                if inWord { words.append(current); current = ""; inWord = false }
            case ";", "|", "&":
                if inWord { words.append(current); current = ""; inWord = false }
                words.append(String(character))
            default:
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
