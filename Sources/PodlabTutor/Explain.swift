import PodlabCore
import Yams

/// `explain <command line>`: what each part of a podman command does, from lessons/explain.yaml.
public struct Explainer: Sendable {
    struct Dictionary: Codable {
        var commands: [String: LocalizedText]
        var flags: [String: LocalizedText]
    }

    let dictionary: Dictionary

    public init(lessonsDirectory: String) throws {
        let path = "\(lessonsDirectory)/explain.yaml"
        let text = String(decoding: try FileSystem.readFile(path), as: UTF8.self)
        do { dictionary = try YAMLDecoder().decode(Dictionary.self, from: text) } catch {
            throw TutorError.lesson("\(error)", file: path)
        }
    }

    /// One line per part: the word(s), then what they mean.
    public func explain(_ line: String, language: Language) -> [String] {
        var words = ShellWords.split(line)
        var lines: [String] = []
        if let first = words.first, first == "podman" || first == "docker" {
            lines.append("\(first)  — " + (language == .zh ? "容器引擎的命令行（这里由 podlab 回答）" : "the container engine's command line (answered by podlab here)"))
            words.removeFirst()
        }
        var command = ""
        var index = 0
        var positional = 0
        while index < words.count {
            let word = words[index]
            if command.isEmpty || (dictionary.commands["\(command) \(word)"] != nil) {
                let key = command.isEmpty ? word : "\(command) \(word)"
                if let text = dictionary.commands[key] {
                    command = key
                    lines.append("\(word)  — \(text.text(language))")
                    index += 1
                    continue
                }
            }
            if word.hasPrefix("-") {
                let flag = String(word.prefix { $0 != "=" })
                let text = dictionary.flags["\(command) \(flag)"] ?? dictionary.flags["* \(flag)"]
                var shown = word
                if text != nil, !word.contains("="), index + 1 < words.count, !words[index + 1].hasPrefix("-"), PodmanFlags.takesValue(flag, command: command) {
                    shown += " \(words[index + 1])"
                    index += 1
                }
                lines.append("\(shown)  — " + (text?.text(language) ?? (language == .zh ? "（podlab 的词典里没有这个选项：podman \(command) --help）" : "(not in podlab's dictionary: podman \(command) --help)")))
            } else {
                positional += 1
                let role: String
                if ["run", "create", "pull", "push", "image rm", "rmi", "tag", "history", "inspect"].contains(command) && positional == 1 {
                    role = language == .zh ? "镜像名称：<仓库>/<用户或机构>/<镜像>:<版本>" : "the image: <registry>/<user or org>/<name>:<tag>"
                } else if ["stop", "rm", "logs", "start", "exec", "port", "wait", "kill"].contains(command) && positional == 1 {
                    role = language == .zh ? "容器的名称或 ID" : "the container's name or id"
                } else if command == "build" {
                    role = language == .zh ? "构建上下文：Dockerfile 和要复制的文件所在的目录" : "the build context: the directory with the Dockerfile and the files to copy"
                } else if command == "login" || command == "logout" {
                    role = language == .zh ? "仓库（registry）的地址" : "the registry"
                } else {
                    role = language == .zh ? "在容器里运行的命令或它的参数" : "the command to run in the container, or its arguments"
                }
                lines.append("\(word)  — \(role)")
            }
            index += 1
        }
        return lines
    }

    /// Every podman subcommand the dictionary knows (for completion).
    public var commands: [String] { dictionary.commands.keys.filter { !$0.contains(" ") }.sorted() }

    /// Flags the dictionary knows for a subcommand.
    public func flags(for command: String) -> [String] {
        dictionary.flags.keys.compactMap { key -> String? in
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0] == command || parts[0] == "*" else { return nil }
            return parts[1]
        }.sorted()
    }
}
