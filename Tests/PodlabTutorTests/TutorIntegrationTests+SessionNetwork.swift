import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

extension TutorIntegrationTests {
    /// On a lab server where something else holds 127.0.0.1:8080 (another learner's nginx, say), a learner with
    /// the session network does the nginx lesson whole: the `-p 8080:80` binds in their session, and the lesson's
    /// `browse` and HTTP checks fetch the page there. Control: the same lines without the session fail on the
    /// port. Part of the serialized suite, whose lessons publish the host's 8080.
    @Test func theNginxLessonPassesInASessionNetworkBesideAHeldPort() throws {
        let held = try HostListener(port: 8080)
        let script = directory.file("in-session.sh")
        try """
        podman run --name my-web-server -d -p 8080:80 docker.io/library/nginx:1.24
        podman ps
        browse http://localhost:8080/
        podman stop my-web-server
        podman rm my-web-server
        """.write(toFile: script, atomically: true, encoding: .utf8)
        var session = environment
        session["PODLAB_SESSION_NETWORK"] = "1"
        defer { _ = try? TestProcess.run([BuildProducts.podlab, "session", "stop"], environment: session) }
        let checked = try TestProcess.run([BuildProducts.podlab, "check", "--lesson", "nginx", "--run", script], environment: session)
        #expect(checked.status == 0 && checked.stdout.hasSuffix("podlab.nginx: 7 of 7 passed\n"), "\(checked)")

        var plain = environment
        plain["PODLAB_ROOT"] = directory.file("plain")
        plain["PODLAB_RUNROOT"] = directory.file("plain-run")
        defer { _ = try? TestProcess.run([BuildProducts.podlab, "podman", "rm", "-a", "-f"], environment: plain) }
        let control = try TestProcess.run([BuildProducts.podlab, "check", "--lesson", "nginx", "--run", script], environment: plain)
        #expect(control.status == 1 && control.stdout.contains("-p 8080:80 docker.io/library/nginx:1.24 ran but exited with 125"), "\(control)")
        withExtendedLifetime(held) {}   // the host's 8080 stays taken until here
    }
}
