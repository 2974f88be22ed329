import HTTPTypes
import Hummingbird
import NIOCore
import PodlabCore

/// The teacher's pages and the event stream they follow (see `ClassDashboard`):
///
///     GET /class/[?fragment=grid][&lang=zh|en]   the grid (teachers)
///     GET /class/learners/NAME                   a learner's submissions and commands (teachers; a learner: their own)
///     GET /class/api/events                      server-sent events: `progress` at each submission, verdict or
///                                                learner's new activity
extension ClassHandler {
    func dashboard(_ request: Request, _ parts: [String], as account: ClassAccounts.Account) throws -> Response {
        let language = ClassDashboard.language(query: request.uri.queryParameters.get("lang"),
                                               acceptLanguage: request.headers[.acceptLanguage])
        let pages = ClassDashboard(language: language)
        if parts.count == 3 {
            let username = parts[2]
            guard account.teacher || account.username == username else {
                throw ClassAPIFailure(.forbidden, "a learner's page is for teachers and that learner")
            }
            guard try accounts.list().contains(where: { $0.username == username }) else {
                throw ClassAPIFailure(.notFound, "no learner \(username)")
            }
            return html(pages.learnerPage(username: username, records: submissions.records(),
                                          activity: activities.all[username], now: clock()))
        }
        guard account.teacher else { throw ClassAPIFailure(.forbidden, "the class's progress is for teachers") }
        let progress = try self.progress()
        if request.uri.queryParameters.get("fragment") == "grid" { return html(pages.grid(progress)) }
        return html(pages.gridPage(progress))
    }

    /// `progress` once at the start and at every change; a comment every 25 s keeps proxies from closing the stream.
    /// Ends when the browser goes (the write fails).
    func events(as account: ClassAccounts.Account) throws -> Response {
        guard account.teacher else { throw ClassAPIFailure(.forbidden, "the class's events are for teachers") }
        let changes = self.changes
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var seen = changes.count
            try await writer.write(ByteBuffer(string: "retry: 2000\nevent: progress\ndata: \(seen)\n\n"))
            while !Task.isCancelled {
                await changes.wait(after: seen, seconds: 25)
                let now = changes.count
                if now > seen {
                    seen = now
                    try await writer.write(ByteBuffer(string: "event: progress\ndata: \(now)\n\n"))
                } else {
                    try await writer.write(ByteBuffer(string: ": still here\n\n"))
                }
            }
            try await writer.finish(nil)
        })
    }

    func html(_ text: String) -> Response {
        bytes(Array(text.utf8), type: "text/html; charset=utf-8")
    }
}
