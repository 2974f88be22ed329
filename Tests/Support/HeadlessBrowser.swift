import CSpawn
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: commands in on fd 3,
/// answers and events out on fd 4, each a JSON message ended by a NUL), for tests that follow a page as it changes:
/// open a page, wait for its load event, evaluate script that may return a promise. Nothing waits by sleeping; a
/// read gives up after `deadline` seconds only so that a broken page fails the test instead of hanging it.
public final class HeadlessBrowser: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    let process = Process()
    let commands: FileHandle
    let answers: Int32
    let deadline: Int32
    var nextID = 0
    var pending: [UInt8] = []
    var events: [[String: Any]] = []
    var session: String?

    public init(userDataDirectory: String, deadline seconds: Int32 = 60) throws {
        deadline = seconds * 1000
        let input = Pipe()
        let output = Pipe()
        // The shell moves the pipes to the descriptors Chromium reads and writes, then becomes Chromium.
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec 3<&0 4>&1 </dev/null >/dev/null; exec \"$0\" \"$@\"", "/usr/bin/chromium", "--headless",
                             "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--user-data-dir=\(userDataDirectory)",
                             "--window-size=1280,800", "about:blank"]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        try? input.fileHandleForReading.close()
        try? output.fileHandleForWriting.close()
        commands = input.fileHandleForWriting
        answers = output.fileHandleForReading.fileDescriptor
    }

    /// Opens `url` in a new tab and returns once its load event has fired: the first load event after the frame
    /// committed this navigation (`Page.frameNavigated` with its loader), so a late one of the blank tab is not it.
    public func open(_ url: String) throws {
        let target = try send("Target.createTarget", ["url": "about:blank"])
        guard let targetID = target["targetId"] as? String else { throw Failure(description: "no target: \(target)") }
        let attached = try send("Target.attachToTarget", ["targetId": targetID, "flatten": true])
        guard let sessionID = attached["sessionId"] as? String else { throw Failure(description: "not attached: \(attached)") }
        session = sessionID
        _ = try send("Page.enable", [:], in: sessionID)
        let navigated = try send("Page.navigate", ["url": url], in: sessionID)
        if let error = navigated["errorText"] as? String { throw Failure(description: "\(url): \(error)") }
        guard let loader = navigated["loaderId"] as? String else { throw Failure(description: "no loader: \(navigated)") }
        while true {
            let event = try nextEvent(in: sessionID)
            guard event["method"] as? String == "Page.frameNavigated",
                  let frame = (event["params"] as? [String: Any])?["frame"] as? [String: Any] else { continue }
            if frame["loaderId"] as? String == loader && frame["parentId"] == nil { break }
        }
        while try nextEvent(in: sessionID)["method"] as? String != "Page.loadEventFired" {}
    }

    /// The value of `expression` in the open page; a promise is awaited.
    public func evaluate(_ expression: String) throws -> Any? {
        guard let session else { throw Failure(description: "no page is open") }
        let answer = try send("Runtime.evaluate", ["expression": expression, "awaitPromise": true, "returnByValue": true], in: session)
        if let thrown = answer["exceptionDetails"] { throw Failure(description: "\(expression): \(thrown)") }
        return (answer["result"] as? [String: Any])?["value"]
    }

    /// Asks Chromium to close, and kills it by its PID if it has not ended 5 seconds later.
    public func close() {
        guard process.isRunning else { return }
        nextID += 1
        let message = ["id": nextID, "method": "Browser.close"] as [String: Any]
        if let bytes = try? JSONSerialization.data(withJSONObject: message) { try? commands.write(contentsOf: bytes + [0]) }
        let pid = process.processIdentifier
        let fd = podlab_pidfd_open(pid)
        if fd >= 0 {
            if podlab_wait_pidfd(fd, 5000) != 1 { kill(pid, SIGKILL) }
            Glibc.close(fd)
        }
        process.waitUntilExit()
    }

    deinit { close() }

    func send(_ method: String, _ parameters: [String: Any], in session: String? = nil) throws -> [String: Any] {
        nextID += 1
        let id = nextID
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if let session { message["sessionId"] = session }
        try commands.write(contentsOf: try JSONSerialization.data(withJSONObject: message) + [0])
        while true {
            let received = try receive()
            guard received["id"] as? Int == id else {
                if received["method"] != nil { events.append(received) }
                continue
            }
            if let error = received["error"] { throw Failure(description: "\(method): \(error)") }
            return received["result"] as? [String: Any] ?? [:]
        }
    }

    /// The next event of `session`, in the order Chromium sent it (those read while waiting for an answer first).
    func nextEvent(in session: String) throws -> [String: Any] {
        while true {
            let event = events.isEmpty ? try receive() : events.removeFirst()
            if event["method"] != nil && event["sessionId"] as? String == session { return event }
        }
    }

    /// The next whole message, waiting at most the deadline for each piece of it.
    func receive() throws -> [String: Any] {
        while true {
            if let end = pending.firstIndex(of: 0) {
                let bytes = Data(pending[..<end])
                pending.removeSubrange(...end)
                guard let message = try JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
                    throw Failure(description: "not a DevTools message: \(String(decoding: bytes, as: UTF8.self))")
                }
                return message
            }
            var ready = pollfd(fd: answers, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, deadline) == 1 else { throw Failure(description: "Chromium did not answer within \(deadline / 1000) s") }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = read(answers, &buffer, buffer.count)
            guard count > 0 else { throw Failure(description: "Chromium closed its DevTools pipe") }
            pending += buffer[..<count]
        }
    }
}
