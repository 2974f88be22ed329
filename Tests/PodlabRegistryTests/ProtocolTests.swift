import PodlabCore
import PodlabDistribution
import PodlabRegistryClient
import PodlabRegistryServer
import Testing

/// The pieces of the distribution protocol that need no network: names, routes, challenges, ranges.
@Suite struct ProtocolTests {
    @Test(arguments: ["library/nginx", "student/hello-deepin23-podman", "a/b__c/d.e", "quay.io/podman/hello", "x", "a--b"])
    func validRepositoryNames(name: String) {
        #expect(RegistryNames.isValidRepository(name))
    }

    @Test(arguments: ["", "../etc", "a/../b", "a//b", "/a", "a/", "A/b", "a/./b", "-a", "a-", "a b", "a/..", "a\u{0}b", ".."])
    func repositoryNamesThatCouldEscapeAreRefused(name: String) {
        #expect(!RegistryNames.isValidRepository(name))
    }

    @Test func tags() {
        #expect(RegistryNames.isValidTag("0.1.0"))
        #expect(RegistryNames.isValidTag("v20.8-compatible"))
        #expect(!RegistryNames.isValidTag(".hidden"))
        #expect(!RegistryNames.isValidTag("a/b"))
        #expect(!RegistryNames.isValidTag(String(repeating: "a", count: 129)))
    }

    @Test func routesAreReadFromTheEnd() {
        #expect(RegistryRoute(path: "/v2/") == .base)
        #expect(RegistryRoute(path: "/v2/_catalog") == .catalog)
        #expect(RegistryRoute(path: "/v2/library/nginx/tags/list") == .tags("library/nginx"))
        #expect(RegistryRoute(path: "/v2/a/b/manifests/1.24") == .manifest("a/b", "1.24"))
        #expect(RegistryRoute(path: "/v2/manifests/manifests/latest") == .manifest("manifests", "latest"))
        #expect(RegistryRoute(path: "/v2/a/blobs/uploads/") == .uploads("a"))
        #expect(RegistryRoute(path: "/v2/a/blobs/uploads/0f0e") == .upload("a", "0f0e"))
        #expect(RegistryRoute(path: "/v2/a/b/blobs/sha256:00") == .blob("a/b", "sha256:00"))
        #expect(RegistryRoute(path: "/v1/a") == nil)
        #expect(RegistryRoute(path: "/v2/a/blobs/x/y") == nil)
    }

    @Test func dockerHubsChallengeIsParsed() throws {
        let header = #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#
        let challenge = try #require(AuthChallenge(header: header))
        #expect(challenge.isBearer)
        #expect(challenge.realm == "https://auth.docker.io/token")
        #expect(challenge.service == "registry.docker.io")
        #expect(challenge.parameters["scope"] == "repository:library/nginx:pull")
        let basic = try #require(AuthChallenge(header: #"Basic realm="podlab registry""#))
        #expect(basic.isBasic && basic.realm == "podlab registry")
        #expect(AuthChallenge(header: basic.headerValue) == basic)
    }

    /// A header is read by scalars: a combining mark after the opening quote must not hide it (as one grapheme
    /// cluster `"\u{301}` it would, and the quote would become part of the realm).
    @Test func aCombiningMarkDoesNotHideAQuote() throws {
        let challenge = try #require(AuthChallenge(header: "Bearer realm=\"\u{301}x\",service=\"s\""))
        #expect(challenge.realm == "\u{301}x" && challenge.service == "s", "\(challenge)")
        #expect(AuthChallenge(header: challenge.headerValue) == challenge)
        // And written by scalars: a `\` or `"` before a combining mark is still escaped (a fuzz finding).
        let marked = AuthChallenge(scheme: "Basic", parameters: ["realm": "a\\\u{352}b\"\u{301}c"])
        #expect(marked.headerValue == "Basic realm=\"a\\\\\u{352}b\\\"\u{301}c\"")
        #expect(AuthChallenge(header: marked.headerValue) == marked)
    }

    @Test func byteRanges() {
        #expect(RegistryHandler.byteRange("bytes=0-9", size: 100) == 0...9)
        #expect(RegistryHandler.byteRange("bytes=90-", size: 100) == 90...99)
        #expect(RegistryHandler.byteRange("bytes=-10", size: 100) == 90...99)
        #expect(RegistryHandler.byteRange("bytes=95-200", size: 100) == 95...99)
        #expect(RegistryHandler.byteRange("bytes=100-", size: 100) == nil)
        #expect(RegistryHandler.byteRange("bytes=5-1", size: 100) == nil)
        #expect(RegistryHandler.byteRange("items=0-1", size: 100) == nil)
    }
}
