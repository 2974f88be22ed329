import PodlabKube
import Testing

/// The kube YAML podlab plays, and what it refuses: by name and line, never skipped.
@Suite struct KubeDecoderTests {
    static let todo = """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: todo-db
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 100Mi}}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: todo
          labels: {app: todo}
        spec:
          containers:
          - name: db
            image: docker.io/library/mariadb:10.11
            env:
            - {name: MYSQL_DATABASE, value: todo}
            - name: MYSQL_PASSWORD
              valueFrom: {secretKeyRef: {name: todo-db-password, key: password}}
            volumeMounts:
            - {name: data, mountPath: /var/lib/mysql}
          - name: web
            image: docker.io/podlab/todo:1.0
            command: [python3, /app/app.py]
            ports:
            - {containerPort: 80, hostPort: 8080}
          volumes:
          - name: data
            persistentVolumeClaim: {claimName: todo-db}
        """

    @Test func aPodWithItsClaimIsRead() throws {
        let documents = try KubeDecoder.decode(Self.todo, file: "todo.yaml")
        #expect(documents.count == 2)
        #expect(documents.first == .volumeClaim(name: "todo-db"))
        guard case .pod(let pod) = documents.last else { Issue.record("no pod: \(documents)"); return }
        #expect(pod.name == "todo" && pod.labels == ["app": "todo"])
        #expect(pod.containers.map(\.name) == ["db", "web"])
        #expect(pod.containers[0].env == [KubeEnv(name: "MYSQL_DATABASE", source: .value("todo")),
                                          KubeEnv(name: "MYSQL_PASSWORD", source: .secretKey(secret: "todo-db-password", key: "password"))])
        #expect(pod.containers[0].volumeMounts == [KubeVolumeMount(name: "data", mountPath: "/var/lib/mysql")])
        #expect(pod.containers[1].command == ["python3", "/app/app.py"])
        #expect(pod.publishedPorts == [KubePort(containerPort: 80, hostPort: 8080)])
        #expect(pod.volumes == [KubeVolume(name: "data", source: .claim("todo-db"))])
    }

    @Test func aDeploymentGivesItsReplicas() throws {
        let text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - {name: web, image: docker.io/podlab/todo:1.0}
            """
        let documents = try KubeDecoder.decode(text, file: "web.yaml")
        guard case .deployment(let name, let replicas, let template) = documents.first else { Issue.record("\(documents)"); return }
        #expect(name == "web" && replicas == 2 && template.containers.map(\.image) == ["docker.io/podlab/todo:1.0"])
    }

    @Test(arguments: [
        ("apiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
         "web.yaml:1: kind Service (apiVersion v1) is not supported by podlab"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: busybox\n    bogusField: 1\n",
         "web.yaml:8: spec.containers[0].bogusField is not supported by podlab"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: busybox}\n  volumes:\n  - name: v\n    nfs: {server: x, path: /}\n",
         "web.yaml:9: spec.volumes[0].nfs is not supported by podlab"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: busybox}\n  - {name: a, image: busybox}\n",
         "web.yaml:7: the pod \"p\" is invalid; duplicate container name \"a\" detected"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {}\nspec:\n  containers:\n  - {name: a, image: busybox}\n",
         "web.yaml:3: metadata.name is missing"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  restartPolicy: Always\n  containers:\n  - {name: a, image: busybox}\n",
         "web.yaml:5: spec.restartPolicy Always is not supported by podlab"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: busybox, ports: [{containerPort: 70000}]}\n",
         "web.yaml:6: spec.containers[0].ports[0].containerPort must be a whole number from 1 to 65535"),
        // An image that looks like a flag would be read as one by podman create (--privileged, --pod=…).
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: --cap-add=ALL, args: [busybox, sh]}\n",
         "web.yaml:6: spec.containers[0].image \"--cap-add=ALL\" is not an image reference"),
        // A comma would add options to --secret NAME,type=env,target=VARIABLE.
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: busybox\n    env:\n    - {name: \"X,type=mount\", value: v}\n",
         "web.yaml:9: spec.containers[0].env[0].name \"X,type=mount\" is not a valid variable name"),
        // Anchors anywhere, not only on the fields read one by one: an alias repeats its anchor's whole text.
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: &big text, b: *big, c: *big}\n",
         "web.yaml:4: YAML anchors and aliases are not supported by podlab"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: &n p}\nspec:\n  hostname: *n\n  containers:\n  - {name: a, image: busybox}\n",
         "web.yaml:3: YAML anchors and aliases are not supported by podlab"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: busybox, args: [&w x, *w]}\n",
         "web.yaml:6: YAML anchors and aliases are not supported by podlab"),
        ("a: [unclosed\n", "web.yaml is not valid YAML"),
        ("", "YAML document does not contain any supported kube kind"),
    ])
    func whatPodlabCannotPlayIsRefusedWithItsLine(text: String, message: String) {
        Self.expectRefusal(text, message)
    }

    /// `text` is refused, with a message that starts with `message`.
    static func expectRefusal(_ text: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let documents = try KubeDecoder.decode(text, file: "web.yaml")
            Issue.record("read: \(documents)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.message.hasPrefix(message), "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    @Test func aConfigMapGivesVariablesAndFiles() throws {
        let text = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: web-config}
            data:
              GREETING: 你好
              nginx.conf: "server {}\\n"
            binaryData:
              logo.bin: AAEC
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              containers:
              - name: web
                image: busybox
                env:
                - name: GREETING
                  valueFrom: {configMapKeyRef: {name: web-config, key: GREETING}}
                - name: MISSING
                  valueFrom: {configMapKeyRef: {name: other, key: x, optional: true}}
                volumeMounts: [{name: conf, mountPath: /etc/web}]
              volumes:
              - name: conf
                configMap:
                  name: web-config
                  items: [{key: nginx.conf, path: conf.d/default.conf}]
            """
        let documents = try KubeDecoder.decode(text, file: "web.yaml")
        #expect(documents.first == .configMap(name: "web-config", data: ["GREETING": Array("你好".utf8), "nginx.conf": Array("server {}\n".utf8), "logo.bin": [0, 1, 2]]))
        guard case .pod(let pod) = documents.last else { Issue.record("\(documents)"); return }
        #expect(pod.containers.first?.env == [KubeEnv(name: "GREETING", source: .configMapKey(map: "web-config", key: "GREETING", optional: false)),
                                              KubeEnv(name: "MISSING", source: .configMapKey(map: "other", key: "x", optional: true))])
        #expect(pod.volumes == [KubeVolume(name: "conf", source: .configMap(name: "web-config", items: [KubeKeyToPath(key: "nginx.conf", path: "conf.d/default.conf")]))])
    }

    @Test(arguments: [
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {../x: y}\n", "web.yaml:1: the ConfigMap key \"../x\" is not valid"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: busybox}\n  volumes:\n  - name: v\n    configMap: {name: c, items: [{key: k, path: ../../etc/passwd}]}\n",
         "web.yaml:9: spec.volumes[0].configMap.items[0].path \"../../etc/passwd\" must be a relative path without '..'"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: busybox}\n  volumes:\n  - name: v\n    configMap: {name: c, items: [{key: k, path: /etc/passwd}]}\n",
         "web.yaml:9: spec.volumes[0].configMap.items[0].path \"/etc/passwd\" must be a relative path without '..'"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: busybox}\n  volumes:\n  - name: v\n    configMap: {name: c, items: [{key: k, path: ./a}]}\n",
         "web.yaml:9: spec.volumes[0].configMap.items[0].path \"./a\" must be a relative path without '..'"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: busybox}\n  volumes:\n  - name: v\n    configMap: {name: c, items: [{key: k, path: a}, {key: l, path: a/b}]}\n",
         "web.yaml:9: spec.volumes[0].configMap.items[1].path \"a/b\" collides with \"a\""),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: x}\nbinaryData: {k: AAEC}\n", "web.yaml:1: the ConfigMap key \"k\" is in both data and binaryData"),
        ("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {../x: y}\n", "web.yaml:1: the Secret key \"../x\" is not valid"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: busybox}\n  volumes:\n  - name: v\n    secret: {secretName: s, items: [{key: k, path: ../../etc/passwd}]}\n",
         "web.yaml:9: spec.volumes[0].secret.items[0].path \"../../etc/passwd\" must be a relative path without '..'"),
    ])
    func configMapPathsStayInsideTheirVolume(text: String, message: String) {
        Self.expectRefusal(text, message)
    }

    @Test func aSecretVolumeIsRead() throws {
        let text = """
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              containers:
              - {name: a, image: busybox, volumeMounts: [{name: creds, mountPath: /run/creds}]}
              volumes:
              - name: creds
                secret: {secretName: db, items: [{key: password, path: db/pw}], optional: true}
              - name: all
                secret: {secretName: db}
            """
        guard case .pod(let pod) = try KubeDecoder.decode(text, file: "p.yaml").first else { Issue.record("no pod"); return }
        #expect(pod.volumes == [KubeVolume(name: "creds", source: .secret(name: "db", items: [KubeKeyToPath(key: "password", path: "db/pw")], optional: true)),
                                KubeVolume(name: "all", source: .secret(name: "db", items: [], optional: false))])
    }
}
