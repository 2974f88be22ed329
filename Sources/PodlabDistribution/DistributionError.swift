/// The error codes of the distribution spec, carried in a JSON body `{"errors":[{code,message,detail}]}`.
public enum DistributionErrorCode: String, Codable, Sendable {
    case blobUnknown = "BLOB_UNKNOWN"
    case blobUploadInvalid = "BLOB_UPLOAD_INVALID"
    case blobUploadUnknown = "BLOB_UPLOAD_UNKNOWN"
    case digestInvalid = "DIGEST_INVALID"
    case manifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN"
    case manifestInvalid = "MANIFEST_INVALID"
    case manifestUnknown = "MANIFEST_UNKNOWN"
    case nameInvalid = "NAME_INVALID"
    case nameUnknown = "NAME_UNKNOWN"
    case sizeInvalid = "SIZE_INVALID"
    case tagInvalid = "TAG_INVALID"
    case unauthorized = "UNAUTHORIZED"
    case denied = "DENIED"
    case unsupported = "UNSUPPORTED"
    case rangeInvalid = "RANGE_INVALID"
    case tooManyRequests = "TOOMANYREQUESTS"
    /// distribution's code for a failure of the registry itself (HTTP 500).
    case unknown = "UNKNOWN"

    /// The HTTP status the spec pairs with the code.
    public var httpStatus: Int {
        switch self {
        case .blobUnknown, .blobUploadUnknown, .manifestUnknown, .nameUnknown: return 404
        case .unauthorized: return 401
        case .denied: return 403
        case .unsupported: return 405
        case .rangeInvalid: return 416
        case .tooManyRequests: return 429
        case .unknown: return 500
        default: return 400
        }
    }

    /// The message distribution prints for the code (what podman shows after `unauthorized: `).
    public var standardMessage: String {
        switch self {
        case .blobUnknown: return "blob unknown to registry"
        case .blobUploadInvalid: return "blob upload invalid"
        case .blobUploadUnknown: return "blob upload unknown to registry"
        case .digestInvalid: return "provided digest did not match uploaded content"
        case .manifestBlobUnknown: return "blob unknown to registry"
        case .manifestInvalid: return "manifest invalid"
        case .manifestUnknown: return "manifest unknown"
        case .nameInvalid: return "invalid repository name"
        case .nameUnknown: return "repository name not known to registry"
        case .sizeInvalid: return "provided length did not match content length"
        case .tagInvalid: return "manifest tag did not match URI"
        case .unauthorized: return "authentication required"
        case .denied: return "requested access to the resource is denied"
        case .unsupported: return "The operation is unsupported."
        case .rangeInvalid: return "invalid content range"
        case .tooManyRequests: return "too many requests"
        case .unknown: return "unknown error"
        }
    }
}

/// The JSON body of an error response.
public struct DistributionErrorBody: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var code: String
        public var message: String
        public var detail: String?

        public init(code: String, message: String, detail: String? = nil) {
            self.code = code
            self.message = message
            self.detail = detail
        }
    }

    public var errors: [Entry]

    public init(_ code: DistributionErrorCode, message: String? = nil, detail: String? = nil) {
        errors = [Entry(code: code.rawValue, message: message ?? code.standardMessage, detail: detail)]
    }

    /// `manifest unknown: manifest unknown`, as podman prints a registry's error (the code in words, then the message).
    public var summary: String {
        errors.map { entry in
            let words = String(entry.code.lowercased().map { $0 == "_" ? " " : $0 })
            return "\(words): \(entry.message)" + (entry.detail.map { " (\($0))" } ?? "")
        }.joined(separator: "; ")
    }
}
