import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// `podman kube generate|play|down` for real: the pod lesson's pod described, taken down and played back with its
/// data; a Deployment's replicas; what podlab cannot play refused by name and line. Output as podman 4.3.1's.
@Suite struct KubeTests {
    let directory = TemporaryDirectory("podlab-kube")
    var podman: Podman { Podman(root: directory.file("storage")) }

    @Test func generateDownAndPlayBringTheSameAppBackWithItsData() throws {
        #expect(try podman("pod", "create", "--name", "todo").status == 0)
        defer { _ = try? podman("pod", "rm", "-a", "-f") }
        #expect(try podman("run", "-d", "--pod", "todo", "--name", "db", "-v", "todo-db:/var/lib/mysql",
                           "-e", "MARIADB_ROOT_PASSWORD=root-pw", "-e", "MYSQL_DATABASE=todo", "-e", "MYSQL_USER=todo",
                           "-e", "MYSQL_PASSWORD=todo-pw", "docker.io/library/mariadb:10.11").status == 0)
        #expect(try podman("run", "-d", "--pod", "todo", "--name", "web", "-e", "DB_HOST=127.0.0.1", "-e", "DB_USER=todo",
                           "-e", "DB_PASSWORD=todo-pw", "-e", "DB_NAME=todo", "docker.io/podlab/todo:1.0").status == 0)
        #expect(try podman("exec", "web", "todo", "add", "kept-across-kube").status == 0)

        let file = directory.file("todo.yaml")
        let generate = try podman("kube", "generate", "todo", "-f", file)
        #expect(generate.status == 0, "\(generate)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("# Save the output of this file and use kubectl create -f to import\n# it into Kubernetes.\n#\n# Created with podman-4.3.1\napiVersion: v1\nkind: Pod\n"), "\(text)")
        let again = try podman("kube", "generate", "todo", "-f", file)
        #expect(again.status == 125 && again.stderr.contains("Error: cannot write to \"\(file)\"; file exists"), "\(again)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == text, "the refused write left the file as it was")
        let beside = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("todo.yaml") }
        #expect(beside == ["todo.yaml"], "written through a temporary file that is gone: \(beside)")
        #expect(try podman("generate", "kube", "todo").stdout.hasSuffix("status: {}\n"), "the older spelling answers too")

        let podID = try podman("pod", "inspect", "--format", "{{.Id}}", "todo").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let down = try podman("kube", "down", file)
        #expect(down.status == 0 && down.stdout == "Pods stopped:\n\(podID)\nPods removed:\n\(podID)\n", "\(down)")
        #expect(try podman("volume", "exists", "todo-db").status == 0, "kube down keeps volumes")

        let play = try podman("kube", "play", file)
        #expect(play.status == 0, "\(play)")
        let lines = play.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 7 && lines[0] == "Pod:" && lines[2] == "Containers:" && lines[5] == "" && lines[6] == "", "\(play)")
        let names = try podman("ps", "--format", "{{.Names}}", "--filter", "pod=todo").stdout
        #expect(names.contains("todo-db") && names.contains("todo-web"), "containers named POD-CONTAINER as podman names them: \(names)")
        let list = try podman("exec", "todo-web", "todo", "list")
        #expect(list.stdout.contains("kept-across-kube"), "the data survived the round trip: \(list)")
    }

    @Test func aDeploymentGivesOnePodPerReplica() throws {
        let file = directory.file("web.yaml")
        try """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 2
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: docker.io/library/busybox:latest
                    command: [sleep, "600"]

            """.write(toFile: file, atomically: true, encoding: .utf8)
        defer { _ = try? podman("pod", "rm", "-a", "-f") }
        let play = try podman("play", "kube", file)
        #expect(play.status == 0 && play.stdout.components(separatedBy: "Pod:\n").count == 3, "\(play)")
        let pods = try podman("pod", "ps", "--format", "{{.Name}} {{.Status}} {{.NumberOfContainers}} {{.Labels}}").stdout
        #expect(pods.split(separator: "\n").sorted() == ["web-pod-0 Running 2 map[app:web]", "web-pod-1 Running 2 map[app:web]"],
                "each pod carries the template's labels: \(pods)")
        let down = try podman("kube", "down", file)
        let left = try podman("pod", "ps", "-q")
        #expect(down.status == 0 && left.stdout == "", "\(down)")
    }

    /// A ConfigMap of the same file: a key as a variable, keys as read-only files, and a learner's volume of the
    /// same name never overwritten (control: once that volume is gone, the same file plays).
    @Test func aConfigMapGivesVariablesAndReadOnlyFiles() throws {
        let file = directory.file("config.yaml")
        try """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: web-config}
            data:
              GREETING: 你好
              index.html: "<h1>from a ConfigMap</h1>\\n"
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: cm}
            spec:
              containers:
              - name: web
                image: docker.io/library/busybox:latest
                command: [sleep, "600"]
                env:
                - name: GREETING
                  valueFrom: {configMapKeyRef: {name: web-config, key: GREETING}}
                volumeMounts: [{name: site, mountPath: /site}]
              volumes:
              - name: site
                configMap:
                  name: web-config
                  items: [{key: index.html, path: pages/index.html}]

            """.write(toFile: file, atomically: true, encoding: .utf8)
        defer { _ = try? podman("pod", "rm", "-a", "-f") }

        #expect(try podman("volume", "create", "web-config").status == 0)
        #expect(try podman("run", "--rm", "-v", "web-config:/data", "busybox", "sh", "-c", "echo mine > /data/keep").status == 0)
        let refused = try podman("kube", "play", file)
        #expect(refused.status == 125 && refused.stderr.hasPrefix("Error: a volume named \"web-config\" exists already and is not a ConfigMap's\n"), "\(refused)")
        let kept = try podman("run", "--rm", "-v", "web-config:/data", "busybox", "cat", "/data/keep")
        #expect(kept.stdout == "mine\n", "the learner's volume is untouched: \(kept)")
        #expect(try podman("volume", "rm", "web-config").status == 0)

        let play = try podman("kube", "play", file)
        #expect(play.status == 0, "\(play)")
        let seen = try podman("exec", "cm-web", "sh", "-c", "echo $GREETING; cat /site/pages/index.html; ls /site; touch /site/x 2>&1 || echo read-only")
        #expect(seen.stdout.hasPrefix("你好\n<h1>from a ConfigMap</h1>\npages\n") && seen.stdout.hasSuffix("read-only\n"), "\(seen)")
        #expect(try podman("kube", "play", "--replace", file).status == 0, "played again, the files are written afresh")
    }

    /// A Secret as a volume: its keys as read-only files (all of them, or the `items` given), a missing optional
    /// secret leaving the mount out, a secret from `podman secret create` refused (it has no keys), and a learner's
    /// volume of the same name never overwritten (control: once it is gone, the file plays).
    @Test func aSecretVolumeGivesReadOnlyFiles() throws {
        let file = directory.file("secret.yaml")
        try """
            apiVersion: v1
            kind: Secret
            metadata: {name: db-creds}
            data: {password: c2VjcmV0LXB3}
            stringData: {user: todo}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: sv}
            spec:
              containers:
              - name: app
                image: docker.io/library/busybox:latest
                command: [sleep, "600"]
                volumeMounts: [{name: all, mountPath: /all}, {name: one, mountPath: /one}, {name: absent, mountPath: /absent}]
              volumes:
              - {name: all, secret: {secretName: db-creds}}
              - {name: one, secret: {secretName: db-creds, items: [{key: password, path: db/pw}]}}
              - {name: absent, secret: {secretName: not-there, optional: true}}

            """.write(toFile: file, atomically: true, encoding: .utf8)
        defer {
            _ = try? podman("pod", "rm", "-a", "-f")
            _ = try? podman("secret", "rm", "-a")
        }

        #expect(try podman("volume", "create", "db-creds").status == 0)
        let refused = try podman("kube", "play", file)
        #expect(refused.status == 125 && refused.stderr.hasPrefix("Error: a volume named \"db-creds\" exists already and is not a Secret's\n"), "\(refused)")
        #expect(try podman("pod", "exists", "sv").status == 1, "nothing of the pod is made")
        #expect(try podman("volume", "rm", "db-creds").status == 0)

        let play = try podman("kube", "play", "--replace", file)
        #expect(play.status == 0, "\(play)")
        let seen = try podman("exec", "sv-app", "sh", "-c", "ls /all; cat /all/password; echo; cat /one/db/pw; echo; test -e /absent || echo no-absent; touch /all/x 2>&1 || echo read-only")
        // One volume per secret holds what every mount of it asks for: /all sees the directory /one's item made.
        #expect(seen.stdout.hasPrefix("db\npassword\nuser\nsecret-pw\nsecret-pw\nno-absent\n") && seen.stdout.hasSuffix("read-only\n"), "\(seen)")
        let inspect = try podman("volume", "inspect", "db-creds")
        #expect(inspect.stdout.contains("\"io.podlab.kube.secret\""), "labelled as kube play's: \(inspect)")

        let plain = directory.file("plain.yaml")
        try """
            apiVersion: v1
            kind: Pod
            metadata: {name: plain}
            spec:
              containers:
              - {name: app, image: docker.io/library/busybox:latest, command: [sleep, "600"], volumeMounts: [{name: s, mountPath: /s}]}
              volumes:
              - {name: s, secret: {secretName: typed}}

            """.write(toFile: plain, atomically: true, encoding: .utf8)
        #expect(try podman("secret", "create", "typed", "-", stdin: "one value").status == 0)
        let typed = try podman("kube", "play", plain)
        #expect(typed.status == 125 && typed.stderr.hasPrefix("Error: the secret \"typed\" that the pod plain mounts was not made by kube play"), "\(typed)")
    }

    /// An emptyDir is one volume for the whole pod, as in Kubernetes: what one member writes the other reads, and
    /// it goes with the pod.
    @Test func anEmptyDirIsSharedByThePodAndGoesWithIt() throws {
        let file = directory.file("shared.yaml")
        try """
            apiVersion: v1
            kind: Pod
            metadata: {name: shared}
            spec:
              containers:
              - {name: writer, image: docker.io/library/busybox:latest, command: [sleep, "600"],
                 volumeMounts: [{name: scratch, mountPath: /out}]}
              - {name: reader, image: docker.io/library/busybox:latest, command: [sleep, "600"],
                 volumeMounts: [{name: scratch, mountPath: /in, readOnly: true}]}
              volumes:
              - {name: scratch, emptyDir: {}}

            """.write(toFile: file, atomically: true, encoding: .utf8)
        defer { _ = try? podman("pod", "rm", "-a", "-f") }
        #expect(try podman("kube", "play", file).status == 0)
        let volumes = try podman("volume", "ls", "-q").stdout.split(separator: "\n")
        #expect(volumes.count == 1, "one volume for the pod: \(volumes)")
        // Written by one member, then read by the other: each exec has finished before the next starts.
        #expect(try podman("exec", "shared-writer", "sh", "-c", "echo from-writer > /out/note").status == 0)
        let note = try podman("exec", "shared-reader", "cat", "/in/note").stdout
        #expect(note == "from-writer\n", "\(note)")
        #expect(try podman("exec", "shared-reader", "sh", "-c", "touch /in/x 2>/dev/null || echo read-only").stdout == "read-only\n")
        #expect(try podman("kube", "down", file).status == 0)
        #expect(try podman("volume", "ls", "-q").stdout == "", "the emptyDir went with the pod")
    }

    @Test func whatPodlabCannotPlayIsRefusedByNameAndLine() throws {
        let file = directory.file("service.yaml")
        try "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n".write(toFile: file, atomically: true, encoding: .utf8)
        let play = try podman("kube", "play", file)
        #expect(play.status == 125, "\(play)")
        #expect(play.stderr.hasPrefix("Error: \(file):1: kind Service (apiVersion v1) is not supported by podlab\n"), "\(play)")
        #expect(try podman("pod", "ps", "-q").stdout == "", "nothing was made")

        // A field quoted back from a file from elsewhere cannot drive the learner's terminal (retitle it here).
        try "apiVersion: v1\nkind: \"\\e]2;owned\\a\"\nmetadata: {name: web}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let escape = try podman("kube", "play", file)
        #expect(escape.status == 125 && !escape.stderr.contains("\u{1B}") && escape.stderr.contains("kind ^[]2;owned^G (apiVersion v1)"), "\(escape)")

        // A hostname podlab would not give the pod is refused, not left out.
        try "apiVersion: v1\nkind: Pod\nmetadata: {name: named}\nspec:\n  hostname: other\n  containers:\n  - {name: a, image: busybox}\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let hostname = try podman("kube", "play", file)
        #expect(hostname.status == 125 && hostname.stderr.hasPrefix("Error: spec.hostname other is not supported by podlab"), "\(hostname)")

        // Two pods of one name in one file (a Deployment's web-pod-0 beside a Pod of that name): refused before any
        // is made.
        try "apiVersion: v1\nkind: Pod\nmetadata: {name: web-pod-0}\nspec:\n  containers:\n  - {name: a, image: busybox}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - {name: a, image: busybox}\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let twice = try podman("kube", "play", file)
        #expect(twice.status == 125 && twice.stderr.hasPrefix("Error: the file describes the pod \"web-pod-0\" twice"), "\(twice)")
        #expect(try podman("pod", "ps", "-q").stdout == "", "nothing was made")

        // An endless input is not read to its end: the size limit answers first.
        let endless = try podman("kube", "play", "/dev/zero")
        #expect(endless.status == 125 && endless.stderr.hasPrefix("Error: /dev/zero is larger than 1 MiB"), "\(endless)")
    }

    /// A file plays whole or not at all: when its second pod cannot be made, the first pod, the claim's new volume,
    /// the Secret, the ConfigMap's volume and both pods' emptyDir volumes all go again; a volume that was there before
    /// stays. Control: without the failing pod, the same file makes all of them.
    @Test func aPlayThatFailsPartWayLeavesNothingOfItself() throws {
        #expect(try podman("volume", "create", "kept-claim").status == 0)
        defer { _ = try? podman("pod", "rm", "-a", "-f") }
        let made = """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: fresh-claim}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: kept-claim}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: fresh-secret}
            data: {token: c2VjcmV0}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: fresh-config}
            data: {mode: quiet}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: first}
            spec:
              containers:
              - name: a
                image: docker.io/library/busybox:latest
                command: [sleep, "600"]
                volumeMounts:
                - {name: data, mountPath: /data}
                - {name: kept, mountPath: /kept}
                - {name: scratch, mountPath: /scratch}
                - {name: config, mountPath: /config}
              volumes:
              - {name: data, persistentVolumeClaim: {claimName: fresh-claim}}
              - {name: kept, persistentVolumeClaim: {claimName: kept-claim}}
              - {name: scratch, emptyDir: {}}
              - {name: config, configMap: {name: fresh-config}}

            """
        let failing = made + """
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: second}
            spec:
              containers:
              - name: b
                image: "docker.io/library/nosuch:1"
                imagePullPolicy: Never
                volumeMounts:
                - {name: own-scratch, mountPath: /scratch}
              volumes:
              - {name: own-scratch, emptyDir: {}}

            """
        let file = directory.file("whole.yaml")
        try failing.write(toFile: file, atomically: true, encoding: .utf8)
        let play = try podman("kube", "play", file)
        #expect(play.status == 125 && play.stderr.contains("nosuch") && !play.stdout.contains("Pod:"), "\(play)")
        #expect(try podman("pod", "ps", "-q").stdout == "", "the first pod went too")
        #expect(try podman("ps", "-aq").stdout == "")
        #expect(try podman("volume", "ls", "-q").stdout == "kept-claim\n", "only the volume that was there before stays")
        #expect(try podman("secret", "ls", "-q").stdout == "")

        try made.write(toFile: file, atomically: true, encoding: .utf8)
        let control = try podman("kube", "play", "--start=false", file)
        #expect(control.status == 0 && control.stdout.contains("Pod:"), "\(control)")
        let volumes = try podman("volume", "ls", "--format", "{{.Name}}").stdout.split(separator: "\n").map(String.init)
        #expect(volumes.count == 4 && Set(["fresh-claim", "kept-claim", "fresh-config"]).isSubset(of: volumes), "and an emptyDir's: \(volumes)")
        #expect(try podman("secret", "ls", "--format", "{{.Name}}").stdout == "fresh-secret\n")
    }

    /// A claim marked readOnly is mounted read-only in every container; two mounts of one ConfigMap that would put
    /// a file where the other needs a directory are refused before anything is written.
    @Test func aReadOnlyClaimAndClashingConfigMapPaths() throws {
        let file = directory.file("ro.yaml")
        try """
            apiVersion: v1
            kind: Pod
            metadata: {name: ro}
            spec:
              containers:
              - {name: app, image: docker.io/library/busybox:latest, command: [sleep, "600"], volumeMounts: [{name: data, mountPath: /data}]}
              volumes:
              - {name: data, persistentVolumeClaim: {claimName: ro-data, readOnly: true}}

            """.write(toFile: file, atomically: true, encoding: .utf8)
        defer { _ = try? podman("pod", "rm", "-a", "-f") }
        #expect(try podman("kube", "play", file).status == 0)
        let write = try podman("exec", "ro-app", "sh", "-c", "touch /data/x 2>&1 || echo read-only")
        #expect(write.stdout.hasSuffix("read-only\n"), "\(write)")

        let clash = directory.file("clash.yaml")
        try """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: clash-map}
            data: {a: "1", b: "2", c: "3"}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: clash}
            spec:
              containers:
              - {name: app, image: docker.io/library/busybox:latest, command: [sleep, "600"],
                 volumeMounts: [{name: one, mountPath: /one}, {name: two, mountPath: /two}, {name: three, mountPath: /three}]}
              volumes:
              - {name: one, configMap: {name: clash-map, items: [{key: a, path: a}]}}
              - {name: two, configMap: {name: clash-map, items: [{key: b, path: a-b}]}}
              - {name: three, configMap: {name: clash-map, items: [{key: c, path: a/x}]}}

            """.write(toFile: clash, atomically: true, encoding: .utf8)
        let refused = try podman("kube", "play", clash)
        #expect(refused.status == 125 && refused.stderr.hasPrefix("Error: the ConfigMap \"clash-map\" is to hold both a file a and a/x inside it"), "\(refused)")
        #expect(try podman("volume", "exists", "clash-map").status == 1, "nothing written")
    }
}
