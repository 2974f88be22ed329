import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PodlabCore
import PodlabRuntime

/// A page on the learner's own loopback (`http://localhost:8080/`) fetched inside their session network, where
/// their published ports are bound when `PODLAB_SESSION_NETWORK=1` (see SessionNetwork). The connection is
/// made inside the session and handed to NIO, whose HTTP/1.1 parser reads the answer. It never falls back to the
/// host's loopback: there, another learner's server may be listening on the same port.
enum SessionFetch {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Whether `url` names this machine (its loopback, or 0.0.0.0, which connects there), which the session
    /// network has a loopback of its own for.
    static func isLoopback(_ url: URL) -> Bool {
        guard var host = url.host?.lowercased() else { return false }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host = String(host.dropLast()) }
        return host == "localhost" || host.hasSuffix(".localhost") || host.hasPrefix("127.") || host == "0.0.0.0"
            || host == "0" || host == "::1" || host == "::" || host.hasPrefix("::ffff:127.") || host == "::ffff:0.0.0.0"
    }

    /// GET of `url` through the session, redirects to the same loopback followed (at most 5), body up to `limit`.
    static func fetch(_ url: URL, session: SessionNetwork, timeoutSeconds: Int64, limit: Int) throws -> WebPage.Fetched {
        var current = url
        for _ in 0...5 {
            let page = try get(current, session: session, timeoutSeconds: timeoutSeconds, limit: limit)
            guard (300..<400).contains(page.head.status.code), let location = page.headers["Location"].first,
                  let next = URL(string: location, relativeTo: current)?.absoluteURL, isLoopback(next), next.scheme == "http" else {
                return WebPage.Fetched(status: Int(page.head.status.code), contentType: page.headers["Content-Type"].first ?? "",
                                       body: String(decoding: page.body.readableBytesView, as: UTF8.self))
            }
            current = next
        }
        throw Failure(description: "too many redirects")
    }

    struct Answer: Sendable {
        var head: HTTPResponseHead
        var headers: HTTPHeaders { head.headers }
        var body: ByteBuffer
    }

    static func get(_ url: URL, session: SessionNetwork, timeoutSeconds: Int64, limit: Int) throws -> Answer {
        guard url.scheme == "http" else { throw Failure(description: "only http:// is fetched inside the session network") }
        guard let host = url.host, !host.contains(":"), !host.hasPrefix("[") else {
            throw Failure(description: "ports are published on 127.0.0.1 in the session network: use http://localhost:PORT/")
        }
        guard let port = UInt16(exactly: url.port ?? 80), port > 0 else { throw Failure(description: "invalid port in \(url)") }
        guard let fd = try session.connect("127.0.0.1", port: port) else {
            throw Failure(description: "connection refused (no session network runs: nothing is published in it; 'podman restart NAME' publishes a container's ports again)")
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Answer.self)
        let channel: any Channel
        do {
            channel = try ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(timeoutSeconds)))
                        try channel.pipeline.syncOperations.addHandler(AnswerCollector(promise: promise, limit: limit))
                    }
                }
                .withConnectedSocket(fd).wait()
        } catch {
            promise.fail(error)
            throw error
        }
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
        head.headers.add(name: "User-Agent", value: "podlab")
        head.headers.add(name: "Connection", value: "close")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        // A whole deadline, not only between reads: a server trickling bytes is cut off too (the collector then
        // reports the connection closed without a whole answer).
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(timeoutSeconds * 2)) { channel.close(promise: nil) }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        return try promise.futureResult.wait()
    }
}

/// Collects one response; completes the promise once (the end, an error, a read timeout or the connection closing).
private final class AnswerCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    let promise: EventLoopPromise<SessionFetch.Answer>
    let limit: Int
    var head: HTTPResponseHead?
    var body = ByteBuffer()
    var done = false

    init(promise: EventLoopPromise<SessionFetch.Answer>, limit: Int) {
        self.promise = promise
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let received): head = received
        case .body(var part):
            guard body.readableBytes + part.readableBytes <= limit else {
                return finish(context, .failure(SessionFetch.Failure(description: "the page is larger than \(limit) bytes")))
            }
            body.writeBuffer(&part)
        case .end:
            guard let head else { return finish(context, .failure(SessionFetch.Failure(description: "no response"))) }
            finish(context, .success(SessionFetch.Answer(head: head, body: body)))
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { finish(context, .failure(SessionFetch.Failure(description: "timed out"))) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(context, .failure(error))
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context, .failure(SessionFetch.Failure(description: "no whole answer (the server closed the connection, or took too long)")))
    }

    private func finish(_ context: ChannelHandlerContext, _ result: Result<SessionFetch.Answer, any Error>) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
        context.close(promise: nil)
    }
}
