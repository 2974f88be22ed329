import PodlabCore
import PodlabImages
import PodlabTutor
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where a submission stands: received and waiting, being replayed, or judged.
public struct SubmissionState: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Stored, waiting for a replay slot.
        case queued
        /// A replay is running (after a restart, such a submission is queued again).
        case replaying
        /// The replay ran the journaled commands and every check held, as the learner's machine said.
        case verified
        /// The replay ran, and what it found is not what the submission claims (`detail` names the first difference).
        case differs
        /// The replay could not be carried out (`detail` says why): not a judgement of the learner's work.
        case failed

        public var isFinal: Bool { self == .verified || self == .differs || self == .failed }
    }

    public var status: Status
    public var detail: String?
    public var received: Double
    public var updated: Double

    public init(status: Status, detail: String? = nil, received: Double, updated: Double) {
        self.status = status
        self.detail = detail
        self.received = received
        self.updated = updated
    }
}

/// One stored submission as the dashboard and the exports list it.
public struct SubmissionRecord: Sendable, Equatable {
    public let id: String
    public let submission: Submission
    public let state: SubmissionState
}

/// The class server's submissions on disk, one directory each, numbered in the order received:
///
///     submissions/000001/submission.json   the bytes as the learner sent them (what a replay reads)
///     submissions/000001/state.json        `SubmissionState`, rewritten atomically at each change
///     submissions/store.lock               held while a number is taken or a state changes (claim, finish, recover)
///
/// A submission appears whole or not at all: it is written into a hidden directory first and renamed to its
/// number, and only then acknowledged. A kill -9 leaves at most a hidden directory, removed by `recover()`.
public final class SubmissionStore: @unchecked Sendable {
    public let directory: String
    private let lock: FileLock
    /// Submissions as decoded, by number. A stored submission never changes (only its state does), so the dashboard
    /// and the API decode each once per server instead of at every request; the file's inode and size are kept with
    /// it, so a file someone replaced by hand is read again.
    private let decoded = Mutex<[String: (file: FileIdentity, submission: Submission)]>([:])

    /// What tells one stored file from another under the same number: a number freed by hand and taken again, or a
    /// file rewritten in place, differs in one of these.
    struct FileIdentity: Equatable {
        var inode: UInt64
        var size: Int64
        /// The inode's change time (a write, a rename or a new link moves it), seconds and nanoseconds.
        var changed: Int
        var changedNanoseconds: Int
    }

    /// At most this many decoded submissions are kept; beyond it the memory is emptied and filled again as read.
    static let decodedLimit = 4096

    public init(directory: String) throws(ClassError) {
        self.directory = directory
        do {
            try FileSystem.createDirectory(directory, mode: 0o700)
            lock = try FileLock(path: "\(directory)/store.lock")
        } catch {
            throw ClassError(error)
        }
    }

    /// Stores a submission that `Submission.decode` accepted from `bytes`; returns its number. With `waitingLimit`,
    /// stores nothing and returns nil when its learner already has that many submissions waiting for a verdict
    /// (queued or replaying): counted under the lock, so two requests at once cannot both take the last place.
    public func add(_ submission: Submission, bytes: [UInt8], waitingLimit: Int? = nil,
                    now: Double = WallClock.now()) throws(ClassError) -> String? {
        do {
            return try lock.withLock(.exclusive) { () throws -> String? in
                if let waitingLimit, waiting(of: submission.username) >= waitingLimit { return nil }
                let id = Self.name(of: (ids().last.flatMap { Int($0) } ?? 0) + 1)
                let incoming = "\(directory)/.incoming-\(id)-\(UInt32.random(in: 0...UInt32.max))"
                try FileSystem.createDirectory(incoming, mode: 0o700)
                try FileSystem.writeAtomically(bytes, to: "\(incoming)/submission.json", mode: 0o600)
                let state = SubmissionState(status: .queued, received: now, updated: now)
                try FileSystem.writeAtomically(Self.encode(state), to: "\(incoming)/state.json", mode: 0o600)
                guard rename(incoming, "\(directory)/\(id)") == 0 else {
                    let failure = errno
                    try? FileSystem.removeTree(incoming)
                    throw SystemError("rename", path: "\(directory)/\(id)", errno: failure)
                }
                FileSystem.syncDirectory(of: "\(directory)/\(id)")
                // A number taken again (its submission removed by hand) must not bring back what was remembered.
                decoded.withLock { _ = $0.removeValue(forKey: id) }
                return id
            }
        } catch {
            throw ClassError(error)
        }
    }

    /// How many of `username`'s submissions wait for a verdict. Only waiting submissions are decoded; one whose state
    /// cannot be read counts as waiting (`recover()` queues it again).
    public func waiting(of username: String) -> Int {
        ids().count { id in
            guard (try? state(id))?.status.isFinal != true else { return false }
            return (try? submission(id))?.username == username
        }
    }

    /// The numbers of every stored submission, oldest first (by number: 1000000 comes after 999999).
    public func ids() -> [String] {
        FileSystem.list(directory).filter(Self.isID).sorted { ($0.utf8.count, $0) < ($1.utf8.count, $1) }
    }

    public func submission(_ id: String) throws(ClassError) -> Submission {
        guard Self.isID(id) else { throw ClassError("\"\(id)\" is not a submission number", exitStatus: ExitStatus.notFound) }
        var info = stat()
        let identity = stat("\(directory)/\(id)/submission.json", &info) == 0
            ? FileIdentity(inode: UInt64(info.st_ino), size: Int64(info.st_size),
                           changed: Int(info.st_ctim.tv_sec), changedNanoseconds: Int(info.st_ctim.tv_nsec)) : nil
        if let identity, let known = decoded.withLock({ $0[id] }), known.file == identity { return known.submission }
        let submission = try Submission.decode(try read(id, "submission.json"))
        if let identity {
            decoded.withLock { decoded in
                if decoded.count >= Self.decodedLimit { decoded.removeAll(keepingCapacity: true) }
                decoded[id] = (identity, submission)
            }
        }
        return submission
    }

    /// The bytes as received, for a replay and for the learner's page.
    public func bytes(_ id: String) throws(ClassError) -> [UInt8] {
        try read(id, "submission.json")
    }

    public func state(_ id: String) throws(ClassError) -> SubmissionState {
        let bytes = try read(id, "state.json")
        do {
            return try JSONCoding.decode(SubmissionState.self, from: bytes, what: "submission state")
        } catch {
            throw ClassError("the state of submission \(id) cannot be read: \(error.message)",
                             hint: "'podlab class serve' queues it again for a replay when it starts")
        }
    }

    /// Takes the oldest queued submission for a replay: queued → replaying in one step under the lock, so two
    /// replay workers (threads or processes) never take the same one. Nil when none waits.
    public func claim(now: Double = WallClock.now()) throws(ClassError) -> String? {
        do {
            return try lock.withLock(.exclusive) { () throws -> String? in
                for id in ids() {
                    guard var state = try? self.state(id), state.status == .queued else { continue }
                    state.status = .replaying
                    try writeState(&state, of: id, now: now)
                    return id
                }
                return nil
            }
        } catch {
            throw ClassError(error)
        }
    }

    /// Records a replay's verdict: replaying → verified, differs or failed; a final state is never left again.
    public func finish(_ id: String, _ status: SubmissionState.Status, detail: String? = nil, now: Double = WallClock.now()) throws(ClassError) {
        guard status.isFinal else { throw ClassError("\(status.rawValue) is not a replay's verdict") }
        do {
            try lock.withLock(.exclusive) { () throws -> Void in
                var state = try self.state(id)
                guard state.status == .replaying else {
                    throw ClassError("submission \(id) is \(state.status.rawValue), not being replayed")
                }
                state.status = status
                state.detail = detail
                try writeState(&state, of: id, now: now)
            }
        } catch {
            throw ClassError(error)
        }
    }

    /// Every submission that can be read, oldest first. One that cannot (a disk error) is left out, not fatal to the list.
    public func records() -> [SubmissionRecord] {
        ids().compactMap { id in
            guard let submission = try? self.submission(id), let state = try? self.state(id) else { return nil }
            return SubmissionRecord(id: id, submission: submission, state: state)
        }
    }

    /// After a restart: hidden directories of submissions never acknowledged are removed, and submissions whose replay
    /// was cut short (or whose state cannot be read) go back to the queue. Returns the ones queued again.
    @discardableResult
    public func recover(now: Double = WallClock.now()) throws(ClassError) -> [String] {
        do {
            return try lock.withLock(.exclusive) { () throws -> [String] in
                for name in FileSystem.list(directory) where name.hasPrefix(".incoming-") {
                    try FileSystem.removeTree("\(directory)/\(name)")
                }
                var requeued: [String] = []
                for id in ids() {
                    // A state that cannot be read is a replay's to redo, as its error's hint promises.
                    var state = (try? self.state(id)) ?? SubmissionState(status: .replaying, received: now, updated: now)
                    guard state.status == .replaying else { continue }
                    state.status = .queued
                    state.detail = nil
                    try writeState(&state, of: id, now: now)
                    requeued.append(id)
                }
                return requeued
            }
        } catch {
            throw ClassError(error)
        }
    }

    /// Stamps and replaces a submission's state file (the lock is held by the caller).
    private func writeState(_ state: inout SubmissionState, of id: String, now: Double) throws(SystemError) {
        state.updated = now
        try FileSystem.writeAtomically(Self.encode(state), to: "\(directory)/\(id)/state.json", mode: 0o600)
    }

    private func read(_ id: String, _ file: String) throws(ClassError) -> [UInt8] {
        guard Self.isID(id) else { throw ClassError("\"\(id)\" is not a submission number", exitStatus: ExitStatus.notFound) }
        do {
            return try FileSystem.readFile("\(directory)/\(id)/\(file)", limit: Submission.Limits.bytes + 1)
        } catch {
            if error.errno == ENOENT { throw ClassError("no submission \(id)", exitStatus: ExitStatus.notFound) }
            throw ClassError(error)
        }
    }

    static func encode(_ state: SubmissionState) -> [UInt8] {
        // Encoding a struct of strings and numbers cannot fail; an empty object would read back as unreadable.
        (try? JSONCoding.encode(state, pretty: true)) ?? []
    }

    static func name(of number: Int) -> String {
        String(number).leftPadded(6)
    }

    static func isID(_ name: String) -> Bool {
        name.utf8.count >= 6 && name.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}
