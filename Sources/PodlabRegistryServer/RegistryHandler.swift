import HTTPTypes
import Hummingbird
import PodlabCore
import PodlabDistribution
import PodlabImages

/// Answers the distribution API's requests from a `RegistryStorage`, after `RegistryAccess` allows them.
/// Failures become the spec's JSON error bodies with their HTTP status.
public struct RegistryHandler: Sendable {
    public let storage: RegistryStorage
    public let access: RegistryAccess
    public let limits: RegistryLimits
    /// Called on every request (the sandbox registry uses it to notice when it has been idle).
    let onRequest: @Sendable () -> Void
    /// Gets one line per request (`POST /v2/…/blobs/uploads/?mount=… 201`) when set.
    let log: (@Sendable (String) -> Void)?

    public init(storage: RegistryStorage, access: RegistryAccess, limits: RegistryLimits = RegistryLimits(),
                log: (@Sendable (String) -> Void)? = nil, onRequest: @escaping @Sendable () -> Void = {}) {
        self.storage = storage
        self.access = access
        self.limits = limits
        self.log = log
        self.onRequest = onRequest
    }

    public func respond(to request: Request) async -> Response {
        onRequest()
        let response = await answer(request)
        log?("\(request.method) \(request.uri) \(response.status.code)")
        return response
    }

    func answer(_ request: Request) async -> Response {
        do {
            return try await route(request)
        } catch let failure as RegistryFailure {
            return errorResponse(failure)
        } catch let failure as any LearnerFacingError {
            return errorResponse(RegistryFailure(.unknown, failure.message))
        } catch {
            return errorResponse(RegistryFailure(.unknown, "\(error)"))
        }
    }

    func route(_ request: Request) async throws -> Response {
        guard let route = RegistryRoute(path: request.uri.path) else {
            return errorResponse(RegistryFailure(.unsupported, "no such endpoint: \(request.uri.path)"), status: .notFound)
        }
        if let repository = route.repository, !RegistryNames.isValidRepository(repository) {
            throw RegistryFailure(.nameInvalid, repository)
        }
        let method = request.method
        let action: RegistryAccess.Action = (method == .get || method == .head) ? .pull : .push
        // The catalog is a pull without a repository; only the base route probes for a login.
        let user = try await access.authorize(action, repository: route == .base ? nil : (route.repository ?? ""),
                                              authorization: request.headers[.authorization])

        switch (route, method) {
        case (.base, .get), (.base, .head):
            return json(Array("{}".utf8), head: method == .head)
        case (.catalog, .get):
            return try catalog(request, as: user)
        case (.tags(let name), .get):
            return try tags(name, request)
        case (.manifest(let name, let reference), .get), (.manifest(let name, let reference), .head):
            return try getManifest(name, reference, head: method == .head)
        case (.manifest(let name, let reference), .put):
            return try await putManifest(name, reference, request)
        case (.manifest(let name, let reference), .delete):
            try storage.deleteManifest(name, try manifestReference(reference))
            return Response(status: .accepted, headers: baseHeaders())
        case (.blob(let name, let digest), .get), (.blob(let name, let digest), .head):
            return try getBlob(name, try blobDigest(digest), request, head: method == .head)
        case (.blob(let name, let digest), .delete):
            try storage.unlinkBlob(try blobDigest(digest), from: name)
            return Response(status: .accepted, headers: baseHeaders())
        case (.uploads(let name), .post):
            return try await startUpload(name, request)
        case (.upload(let name, let id), .patch):
            return try await appendUpload(name, id, request)
        case (.upload(let name, let id), .put):
            return try await finishUpload(name, id, request)
        case (.upload(let name, let id), .get):
            let (_, size) = try storage.upload(id, of: name)
            return uploadResponse(name, id, size: size, status: .noContent)
        case (.upload(let name, let id), .delete):
            try storage.cancelUpload(id, of: name)
            return Response(status: .noContent, headers: baseHeaders())
        default:
            return errorResponse(RegistryFailure(.unsupported, "\(method) \(request.uri.path)"), status: .methodNotAllowed)
        }
    }

    // MARK: Listing

    /// The repositories the user may pull, a page at a time.
    func catalog(_ request: Request, as user: String?) throws -> Response {
        let (page, next) = paginate(storage.repositories().filter { access.maySee($0, user: user) }, request)
        var headers = baseHeaders()
        if let next { headers[.link] = "</v2/_catalog?last=\(next)&n=\(page.count)>; rel=\"next\"" }
        return json(try JSONCoding.encode(["repositories": page]), headers: headers)
    }

    func tags(_ name: String, _ request: Request) throws -> Response {
        guard storage.repositoryExists(name) else { throw RegistryFailure(.nameUnknown, name) }
        let (page, next) = paginate(storage.tags(name), request)
        var headers = baseHeaders()
        if let next { headers[.link] = "</v2/\(name)/tags/list?last=\(next)&n=\(page.count)>; rel=\"next\"" }
        struct TagList: Encodable { var name: String; var tags: [String] }
        return json(try JSONCoding.encode(TagList(name: name, tags: page)), headers: headers)
    }

    /// `?n=` and `?last=` pagination over a sorted list; returns the page and the last entry when more follow.
    func paginate(_ all: [String], _ request: Request) -> ([String], String?) {
        let parameters = request.uri.queryParameters
        var items = all
        if let last = parameters["last"].map(String.init) { items = items.filter { $0 > last } }
        guard let limit = parameters["n"].flatMap({ Int($0) }), limit >= 0, limit < items.count else { return (items, nil) }
        let page = Array(items.prefix(limit))
        return (page, page.last)
    }

    // MARK: Responses

    func baseHeaders() -> HTTPFields {
        var headers = HTTPFields()
        headers[HTTPField.Name.apiVersion] = DistributionHeader.apiVersionValue
        return headers
    }

    func json(_ bytes: [UInt8], headers: HTTPFields? = nil, status: HTTPResponse.Status = .ok, head: Bool = false) -> Response {
        var fields = headers ?? baseHeaders()
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(bytes.count)
        return Response(status: status, headers: fields, body: head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func errorResponse(_ failure: RegistryFailure, status: HTTPResponse.Status? = nil) -> Response {
        var headers = baseHeaders()
        if failure.code == .unauthorized { headers[.wwwAuthenticate] = access.challenge }
        let body = (try? JSONCoding.encode(DistributionErrorBody(failure.code, message: failure.wording, detail: failure.detail))) ?? []
        return json(body, headers: headers, status: status ?? HTTPResponse.Status(code: failure.status ?? failure.code.httpStatus))
    }

    func manifestReference(_ text: String) throws -> ManifestReference {
        guard let reference = ManifestReference(text) else {
            throw RegistryFailure(text.contains(":") ? .digestInvalid : .tagInvalid, text)
        }
        return reference
    }

    func blobDigest(_ text: String) throws -> Digest {
        guard let digest = try? Digest(parsing: text) else { throw RegistryFailure(.digestInvalid, text) }
        return digest
    }
}

extension HTTPField.Name {
    static let apiVersion = HTTPField.Name(DistributionHeader.apiVersion)!
    static let contentDigest = HTTPField.Name(DistributionHeader.contentDigest)!
    static let uploadUUID = HTTPField.Name(DistributionHeader.uploadUUID)!
}

extension HTTPField.Name {
    static let link = HTTPField.Name("Link")!
}
