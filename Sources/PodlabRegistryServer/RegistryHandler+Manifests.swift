import HTTPTypes
import Hummingbird
import NIOCore
import PodlabCore
import PodlabDistribution
import PodlabImages

extension RegistryHandler {
    func getManifest(_ name: String, _ referenceText: String, head: Bool) throws -> Response {
        let (bytes, mediaType, digest) = try storage.manifest(name, try manifestReference(referenceText))
        var headers = baseHeaders()
        headers[.contentType] = mediaType
        headers[.contentDigest] = digest.description
        headers[.eTag] = "\"\(digest)\""
        headers[.contentLength] = String(bytes.count)
        return Response(status: .ok, headers: headers, body: head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func putManifest(_ name: String, _ referenceText: String, _ request: Request) async throws -> Response {
        let reference = try manifestReference(referenceText)
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: ManifestCheck.maximumSize) } catch is NIOTooManyBytesError {
            return errorResponse(RegistryFailure(.manifestInvalid, "the manifest is larger than 4 MiB"), status: .contentTooLarge)
        }
        let digest = try storage.putManifest(name, reference, bytes: Array(buffer: body),
                                             contentType: request.headers[.contentType])
        var headers = baseHeaders()
        headers[.location] = "/v2/\(name)/manifests/\(digest)"
        headers[.contentDigest] = digest.description
        headers[.contentLength] = "0"
        return Response(status: .created, headers: headers)
    }
}
