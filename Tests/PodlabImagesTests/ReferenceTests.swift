import PodlabImages
import Testing

/// Image names normalised as podman normalises them.
@Suite struct ReferenceTests {
    static let normalised: [(String, String, Bool)] = [
        ("nginx", "docker.io/library/nginx:latest", true),
        ("nginx:1.24", "docker.io/library/nginx:1.24", true),
        ("library/nginx", "docker.io/library/nginx:latest", true),
        ("student/hello-deepin23-podman:0.1.0", "docker.io/student/hello-deepin23-podman:0.1.0", true),
        ("docker.io/library/hello-world:latest", "docker.io/library/hello-world:latest", false),
        ("index.docker.io/library/busybox", "docker.io/library/busybox:latest", false),
        ("docker.io/nginx", "docker.io/library/nginx:latest", false),
        ("localhost/x", "localhost/x:latest", false),
        ("localhost:5000/a/b/c:v1.0-rc_1", "localhost:5000/a/b/c:v1.0-rc_1", false),
        ("127.0.0.1:5000/hello", "127.0.0.1:5000/hello:latest", false),
        ("quay.io/podman/hello:latest", "quay.io/podman/hello:latest", false),
        ("ghcr.io/owner/my.app__x-y", "ghcr.io/owner/my.app__x-y:latest", false),
        ("nginx@sha256:" + String(repeating: "a", count: 64), "docker.io/library/nginx@sha256:" + String(repeating: "a", count: 64), true),
        ("nginx:1.24@sha256:" + String(repeating: "b", count: 64), "docker.io/library/nginx:1.24@sha256:" + String(repeating: "b", count: 64), true),
    ]

    @Test(arguments: normalised)
    func normalises(input: String, expected: String, short: Bool) throws {
        let reference = try ImageReference(parsing: input)
        #expect(reference.description == expected)
        #expect(reference.wasShortName == short)
    }

    @Test func shortNamesCanDefaultToLocalhost() throws {
        #expect(try ImageReference(parsing: "hello-deepin23-podman:0.1.0", defaultDomain: "localhost").description
                == "localhost/hello-deepin23-podman:0.1.0")
        #expect(try ImageReference(parsing: "x", defaultDomain: "localhost").repository == "localhost/x")
    }

    static let invalid: [String] = [
        "", "Nginx", "docker.io/Library/nginx", "nginx:", "nginx:-tag", "nginx:.tag", "nginx::1", "nginx@sha256:abc",
        "nginx@md5:" + String(repeating: "a", count: 32), "a//b", "/nginx", "nginx/", "-nginx", "nginx-", "ng..inx",
        "nginx:" + String(repeating: "t", count: 129), "bad host!/x", "host:port/x",
    ]

    @Test(arguments: invalid)
    func refuses(input: String) {
        #expect(throws: ReferenceError.self) { try ImageReference(parsing: input) }
    }

    @Test func uppercaseNamesSayWhy() {
        do {
            _ = try ImageReference(parsing: "Foo/Bar")
            Issue.record("accepted an uppercase name")
        } catch {
            #expect(error.message.hasSuffix("repository name must be lowercase"))
        }
    }

    @Test func chainIDsFollowTheImageSpec() throws {
        let a = Digest.sha256(of: Array("a".utf8)), b = Digest.sha256(of: Array("b".utf8))
        let chain = ChainID.compute([a, b])
        #expect(chain[0] == a)
        #expect(chain[1] == Digest.sha256(of: Array("\(a) \(b)".utf8)))
    }
}

import PodlabCore
