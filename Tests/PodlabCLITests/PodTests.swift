import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// Pods with real containers: members share 127.0.0.1 and reach each other by name, a container outside the pod
/// does not reach them, the pod's published port serves a member's page. podman 4.3.1's texts where a learner
/// compares them (measured beside it on these machines).
struct PodTests {
    let directory = TemporaryDirectory("podlab-pods")
    var podman: Podman { Podman(root: directory.file("storage")) }

    @Test func membersShareANetworkThatOthersCannotReach() throws {
        #expect(try podman("pod", "ps").stdout == "POD ID      NAME        STATUS      CREATED     INFRA ID    # OF CONTAINERS\n",
                "podman prints the header even with no pod")
        let create = try podman("pod", "create", "--name", "todo", "-p", "80")
        #expect(create.status == 0 && create.stdout.count == 65, "a 64-hex id: \(create)")
        let duplicate = try podman("pod", "create", "--name", "todo")
        #expect(duplicate.status == 125 && duplicate.stderr.hasPrefix("Error: adding pod to state: name \"todo\" is in use: pod already exists\n"))
        let refused = try podman("run", "-d", "--pod", "todo", "-p", "8081:80", "busybox", "true")
        #expect(refused.status == 125, "\(refused)")
        #expect(refused.stderr.contains("published or exposed ports must be defined when the pod is created"), "\(refused)")

        let web = try podman("run", "-d", "--pod", "todo", "--name", "web", "docker.io/library/nginx:1.24")
        #expect(web.status == 0, "\(web)")
        let infra = try podman("pod", "ps", "--no-trunc", "--format", "{{.InfraId}}").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let port = try podman.hostPort(of: infra, "80")
        #expect(HTTP.waitForOK(port: port)?.body.contains("Welcome to nginx!") == true, "the pod's port serves the member's page")
        let client = try podman("run", "--rm", "--pod", "todo", "busybox", "sh", "-c",
                                "wget -q -O - http://127.0.0.1:80/ | grep -c '<title>Welcome to nginx'; wget -q -O - http://web/ | grep -c '<title>Welcome to nginx'; hostname")
        #expect(client.stdout == "1\n1\ntodo\n", "by 127.0.0.1, by name, the pod's hostname: \(client)")
        // Outside the pod, 127.0.0.1 is the container's own: nothing listens there.
        let outside = try podman("run", "--rm", "busybox", "sh", "-c", "wget -q -T 2 -O - http://127.0.0.1:80/ || echo unreachable")
        #expect(outside.stdout == "unreachable\n", "\(outside)")

        let listed = try podman("pod", "ps", "--format", "{{.Name}} {{.Status}} {{.NumberOfContainers}}")
        #expect(listed.stdout == "todo Running 2\n", "the infra counts: \(listed)")
        let members = try podman("ps", "--pod", "--format", "{{.Names}} {{.PodName}} {{.Ports}}")
        #expect(members.stdout.contains("web todo 127.0.0.1:\(port)->80/tcp\n"), "a member shows the pod's ports: \(members)")

        let running = try podman("pod", "rm", "todo")
        #expect(running.status == 125 && running.stderr.contains("as it is running - running or paused containers cannot be removed without force"), "\(running)")
        #expect(try podman("pod", "stop", "todo").status == 0)
        #expect(try podman("pod", "ps", "--format", "{{.Status}}").stdout == "Exited\n")
        #expect(try podman("pod", "start", "todo").status == 0)
        #expect(try podman("pod", "ps", "--format", "{{.Status}}").stdout == "Running\n", "the infra and web run again")
        #expect(try podman("pod", "rm", "-f", "todo").status == 0)
        #expect(try podman("ps", "-aq").stdout == "", "its containers went with it")
        #expect(try podman("pod", "exists", "todo").status == 1)
    }

    @Test func podsWorkWithoutRoot() throws {
        guard let user = try RootlessUser.prepare() else { return }
        #expect(try user.podman("pod", "create", "--name", "mine").status == 0)
        #expect(try user.podman("run", "-d", "--pod", "mine", "--name", "server", "busybox", "sh", "-c",
                                "echo hello-from-server > /index.html; httpd -f -p 8000 -h /").status == 0)
        let client = try user.podman("run", "--rm", "--pod", "mine", "busybox", "sh", "-c",
                                     "for i in $(seq 1 500); do wget -q -O - http://server:8000/index.html 2>/dev/null && break; done")
        #expect(client.stdout == "hello-from-server\n", "\(client)")
        #expect(try user.podman("pod", "rm", "-f", "mine").status == 0)
    }

    @Test func aPodKeepsItsLabels() throws {
        let refused = try podman("pod", "create", "--label", "=web", "unlabelled")
        #expect(refused.status == 125 && refused.stderr.contains("--label \"=web\" has no name before '='"), "\(refused)")
        #expect(try podman("pod", "exists", "unlabelled").status == 1, "a refused label makes no pod")
        // `-lp`: the rest of the word is -l's value, as podman reads it (a class replay relies on the two agreeing).
        #expect(try podman("pod", "create", "-l", "tier=web", "--label", "app=todo", "--label", "plain", "-lp", "labelled").status == 0)
        let labels = try podman("pod", "inspect", "--format", "{{.Labels}}", "labelled")
        #expect(labels.stdout == "map[app:todo p: plain: tier:web]\n", "\(labels)")
        let listed = try podman("pod", "ps", "--format", "{{.Name}} {{.Labels}}")
        #expect(listed.stdout == "labelled map[app:todo p: plain: tier:web]\n", "\(listed)")
        // A pod without labels has no Labels in its inspect JSON, as podman leaves it out.
        #expect(try podman("pod", "create", "bare").status == 0)
        let bare = try podman("pod", "inspect", "bare")
        #expect(bare.status == 0 && !bare.stdout.contains("Labels"), "\(bare)")
        let bareLabels = try podman("pod", "inspect", "--format", "{{.Labels}}", "bare")
        #expect(bareLabels.stdout == "map[]\n", "a template still sees the empty map, as in podman: \(bareLabels)")
        // So does `{{json .}}`, alone (podman prints the inspect JSON then) or inside a template.
        for format in ["{{json .}}", "{{.Name}} {{json .}}"] {
            let bareJSON = try podman("pod", "inspect", "--format", format, "bare")
            #expect(bareJSON.status == 0 && bareJSON.stdout.contains("\"Hostname\"") && !bareJSON.stdout.contains("Labels"), "\(bareJSON)")
        }
        let labelledJSON = try podman("pod", "inspect", "--format", "{{.Name}} {{json .}}", "labelled")
        #expect(labelledJSON.stdout.contains(#""Labels":{"app":"todo","p":"","plain":"","tier":"web"}"#), "\(labelledJSON)")
    }

    /// A member the pod cannot take (its hosts file cannot be written: here the pod's directory is a plain file, which
    /// the pod's hold passes over) is not left behind, nor the volume made for it. Control: with the directory back,
    /// the same command works.
    @Test func aMemberThePodCannotTakeLeavesNothing() throws {
        let id = try podman("pod", "create", "broken").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let podDirectory = directory.file("storage/pods/\(id)")
        let saved = directory.file("pod-directory")
        #expect(rename(podDirectory, saved) == 0)
        try FileSystem.writeAtomically([], to: podDirectory)
        let refused = try podman("create", "--pod", "broken", "--name", "member", "-v", "member-data:/data", "busybox", "true")
        #expect(refused.status != 0 && refused.stderr.contains("pods/\(id)/hosts"), "refused when the hosts file is written: \(refused)")
        #expect(try podman("ps", "-a", "--format", "{{.Names}}").stdout == "\(id.prefix(12))-infra\n", "only the infra is left")
        #expect(try podman("volume", "exists", "member-data").status == 1, "the volume made for it went too")

        #expect(unlink(podDirectory) == 0 && rename(saved, podDirectory) == 0)
        let control = try podman("create", "--pod", "broken", "--name", "member", "-v", "member-data:/data", "busybox", "true")
        #expect(control.status == 0, "\(control)")
        #expect(try podman("volume", "exists", "member-data").status == 0)
    }

    /// A pod whose directory is not one any more (a damaged store) can still be removed, with its containers: the
    /// pod's hold has nothing to hold there and passes it over. Before, `pod rm` failed on it every time ("not a
    /// directory").
    @Test func aPodWhoseDirectoryIsDamagedCanStillBeRemoved() throws {
        let id = try podman("pod", "create", "damaged").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let podDirectory = directory.file("storage/pods/\(id)")
        try FileSystem.removeTree(podDirectory)
        try FileSystem.writeAtomically([], to: podDirectory)
        let removed = try podman("pod", "rm", "damaged")
        #expect(removed.status == 0, "\(removed)")
        #expect(try podman("pod", "exists", "damaged").status == 1)
        #expect(try podman("ps", "-aq").stdout == "", "its infra went with it")
    }

    /// `container prune` leaves a pod's infra to its pod, as podman 4.3.1 does (measured: nothing printed for it,
    /// status 0), and removes a stopped container beside it. Without that the pod said Running with no containers
    /// and `pod start` failed with "no container with name or ID".
    @Test func containerPruneLeavesAPodsInfra() throws {
        let pod = try podman("pod", "create", "kept")
        #expect(pod.status == 0, "\(pod)")
        let loose = try podman("create", "--name", "loose", "busybox", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let pruned = try podman("container", "prune", "-f")
        #expect(pruned.status == 0 && pruned.stdout == loose + "\n", "only the loose container: \(pruned)")
        let infra = try podman("pod", "ps", "--format", "{{.NumberOfContainers}}")
        #expect(infra.stdout == "1\n", "the infra is still the pod's: \(infra)")
        let started = try podman("pod", "start", "kept")
        #expect(started.status == 0, "\(started)")
        #expect(try podman("pod", "ps", "--format", "{{.Name}} {{.Status}}").stdout == "kept Running\n")
        #expect(try podman("pod", "rm", "-f", "kept").status == 0)
        #expect(try podman("ps", "-aq").stdout == "", "pod rm took the infra")
    }
}
