import AsyncHTTPClient
import NIOCore
import PodlabCore
import PodlabDistribution
import PodlabImages
import PodlabRegistryClient
import PodlabRegistryServer
#if canImport(Glibc)
import Glibc
#endif

/// Checks that ask a server: a web page, a registry's tag, and the credentials and accounts behind them.
extension CheckEvaluator {
    func http(_ spec: Check.HTTPCheck) -> String? {
        let wanted = spec.status ?? 200
        var outcome: WebPage.Fetched?
        var lastError: (any Error)?
        // A server just started may not listen yet, and an app whose database is still starting answers 503: both
        // are asked again for a moment (unless 503 is what the check wants).
        let session = context.paths.sessionNetwork(environment: context.environment)
        let deadline = WallClock.now() + context.patience
        var again = false
        repeat {
            do {
                outcome = try WebPage.fetch(spec.url, timeoutSeconds: 3, session: session)
                again = outcome?.status == 503 && wanted != 503
            } catch {
                lastError = error
                again = true
            }
            if again { usleep(100_000) }
        } while again && WallClock.now() < deadline
        guard let outcome else {
            let reason = lastError.map(WebPage.describe) ?? "?"
            return say("\(spec.url) 没有回应（\(reason)）", "nothing answers at \(spec.url) (\(reason))")
        }
        guard outcome.status == wanted else {
            return say("\(spec.url) 回应了 \(outcome.status)，应该是 \(wanted)", "\(spec.url) answered \(outcome.status), expected \(wanted)")
        }
        if let text = spec.contains, !outcome.body.contains(text) {
            return say("\(spec.url) 的页面里没有「\(text)」", "the page at \(spec.url) does not contain \"\(text)\"")
        }
        if let text = spec.lacks, outcome.body.contains(text) {
            return say("\(spec.url) 的页面里仍然有「\(text)」", "the page at \(spec.url) still contains \"\(text)\"")
        }
        return nil
    }

    func login(_ spec: Check.LoginCheck) -> String? {
        let stored = authFile.credentials(for: spec.registry)
        if spec.loggedIn ?? true {
            return stored == nil ? say("还没有登录 \(spec.registry)：podman login \(spec.registry)", "you are not logged in to \(spec.registry): podman login \(spec.registry)") : nil
        }
        return stored == nil ? nil : say("还登录着 \(spec.registry)：podman logout \(spec.registry)", "you are still logged in to \(spec.registry): podman logout \(spec.registry)")
    }

    /// auth.json as the learner's shell sees it (an exported REGISTRY_AUTH_FILE counts).
    var authFile: AuthFile { AuthFile.standard(environment: context.environment.merging(Environment.current) { mine, _ in mine }) }

    var sandboxStorage: String { "\(context.paths.locations.storage)/sandbox-registry" }

    func account(_ spec: Check.AccountCheck) -> String? {
        let users = (try? Htpasswd.load("\(sandboxStorage)/htpasswd")) ?? Htpasswd()
        return users.entries[spec.username] == nil
            ? say("沙盒仓库里还没有用户 \(spec.username)：podlab registry signup --username \(spec.username)",
                  "the sandbox registry has no user \(spec.username) yet: podlab registry signup --username \(spec.username)")
            : nil
    }

    func registry(_ spec: Check.RegistryCheck) -> String? {
        guard let reference = try? ImageReference(parsing: spec.image) else {
            return say("\(spec.image) 不是有效的镜像名称", "\(spec.image) is not a valid image name")
        }
        let localName = Self.fullName(spec.local ?? spec.image)
        let all: [ImageRecord]
        do { all = try images() } catch { return unreadable(error) }
        guard let local = all.first(where: { $0.names.contains(localName) }) else {
            return say("本地没有 \(localName)，无从比较：先构建或用 podman tag 起这个名字",
                       "there is no local \(localName) to compare with: build it, or give an image that name with podman tag")
        }
        let tag = reference.tag ?? ImageReference.defaultTag
        let remote: Digest?
        do {
            remote = try registryDigest(reference, tag: tag)
        } catch {
            let reason = (error as? any LearnerFacingError)?.message ?? WebPage.describe(error)
            return say("无法询问仓库：\(reason)（podlab registry status 可查看沙盒仓库）",
                       "cannot ask the registry: \(reason) (podlab registry status tells about the sandbox registry)")
        }
        guard let remote else {
            return say("仓库里还没有 \(reference)：podman push \(reference)", "the registry has no \(reference) yet: podman push \(reference)")
        }
        guard remote == local.manifest.digest else {
            return say("仓库里的 \(reference) 是 \(remote.shortHex)，本地的是 \(local.manifest.digest.shortHex)：再 push 一次",
                       "the registry's \(reference) is \(remote.shortHex), your local image is \(local.manifest.digest.shortHex): push again")
        }
        return nil
    }

    struct SandboxMarker: Error {}

    /// The digest a registry has for the tag: read from the sandbox's storage, or asked over HTTP.
    func registryDigest(_ reference: ImageReference, tag: String) throws -> Digest? {
        let locations = context.paths.locations
        let resolver = EndpointResolver(mode: PodlabMode.current(locations: locations, environment: context.environment),
                                        conf: try RegistriesConf.load(configDirectory: locations.config),
                                        tlsVerify: nil) { throw SandboxMarker() }
        let endpoint: RegistryEndpoint
        do { endpoint = try resolver.endpoint(for: reference) } catch is SandboxMarker {
            let repository = RegistryEndpoint.sandboxRepository(domain: reference.domain, path: reference.path)
            return try RegistryStorage(root: sandboxStorage).resolve(repository, .tag(tag))
        }
        let credentials = authFile.credentials(for: reference.domain)
        return try BlockingAsync.run {
            try await RegistryConnections.with { connections in
                let session = try connections.session(endpoint, credentials: credentials)
                try await session.ping()
                let response = try await session.send(.HEAD, "/v2/\(endpoint.repository)/manifests/\(tag)",
                                                      headers: [("Accept", DistributionHeader.manifestAccept.joined(separator: ", "))],
                                                      scopes: [RegistrySession.scope(endpoint.repository, push: false)])
                guard response.status == .ok else { return nil }
                return response.headers[DistributionHeader.contentDigest].first.flatMap { try? Digest(parsing: $0) }
            }
        }
    }
}
