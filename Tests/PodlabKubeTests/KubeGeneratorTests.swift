import PodlabCore
import PodlabImages
import PodlabKube
import PodlabRuntime
import Testing

/// `kube generate`'s text, compared with what podman 4.3.1 printed for the same pod (a busybox member with a named
/// volume, a read-only bind and two variables, and an nginx member with a working directory), and read back by
/// the decoder (the round trip `kube play` makes).
@Suite struct KubeGeneratorTests {
    static func record(_ name: String, image: String, command: [String], env: [String], workingDir: String,
                       volumes: [VolumeMount]) -> ContainerRecord {
        let settings = ContainerSettings(command: command, env: env, workingDir: workingDir, user: "", hostname: "todo", ports: [],
                                         volumes: volumes, readOnly: false, network: "private", capabilities: [], seccomp: nil,
                                         initProcess: false, tty: false, interactive: false, autoRemove: false, stopSignal: 15,
                                         stopTimeout: 10)
        return ContainerRecord(id: String(repeating: "a", count: 64), name: name, imageID: Digest.sha256(of: Array(name.utf8)),
                               imageName: image, created: 0, settings: settings, state: ContainerState())
    }

    @Test func thePodIsWrittenAsPodmanWritesIt() throws {
        var busybox = ContainerConfig()
        busybox.Cmd = ["sh"]
        busybox.Env = [KubeGenerator.defaultPath]
        var nginx = ContainerConfig()
        nginx.Entrypoint = ["/docker-entrypoint.sh"]
        nginx.Cmd = ["nginx", "-g", "daemon off;"]
        nginx.Env = [KubeGenerator.defaultPath, "NGINX_VERSION=1.24"]
        let db = Self.record("todo-db", image: "docker.io/library/busybox:latest", command: ["sh", "-c", "sleep 1000"],
                             env: [KubeGenerator.defaultPath, "MYSQL_DATABASE=todo", "MYSQL_PASSWORD=todo-pw", "container=podman"],
                             workingDir: "/",
                             volumes: [VolumeMount(source: "/var/lib/podlab/volumes/todo-db/_data", destination: "/var/lib/mysql", readOnly: false, volumeName: "todo-db"),
                                       VolumeMount(source: "/tmp", destination: "/host-tmp", readOnly: true)])
        let web = Self.record("todo-web", image: "docker.io/library/nginx:1.24", command: ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"],
                              env: [KubeGenerator.defaultPath, "NGINX_VERSION=1.24", "DB_HOST=127.0.0.1", "container=podman"],
                              workingDir: "/app", volumes: [])
        let podID = String(repeating: "5", count: 64)
        let generator = KubeGenerator(podName: "todo", podID: podID,
                                      ports: [PortMapping(hostAddress: "127.0.0.1", hostPort: 8080, containerPort: 80, proto: "tcp")],
                                      members: [.init(record: db, image: busybox), .init(record: web, image: nginx)],
                                      now: 1_796_252_753, podmanVersion: "4.3.1")
        let sandbox = String(repeating: "5", count: 63)
        let expected = """
            # Save the output of this file and use kubectl create -f to import
            # it into Kubernetes.
            #
            # Created with podman-4.3.1
            apiVersion: v1
            kind: Pod
            metadata:
              annotations:
                io.kubernetes.cri-o.ContainerType/todo-db: container
                io.kubernetes.cri-o.ContainerType/todo-web: container
                io.kubernetes.cri-o.SandboxID/todo-db: "\(sandbox)"
                io.kubernetes.cri-o.SandboxID/todo-web: "\(sandbox)"
                io.kubernetes.cri-o.TTY/todo-db: "false"
                io.kubernetes.cri-o.TTY/todo-web: "false"
                io.podman.annotations.autoremove/todo-db: "FALSE"
                io.podman.annotations.autoremove/todo-web: "FALSE"
                io.podman.annotations.init/todo-db: "FALSE"
                io.podman.annotations.init/todo-web: "FALSE"
                io.podman.annotations.privileged/todo-db: "FALSE"
                io.podman.annotations.privileged/todo-web: "FALSE"
                io.podman.annotations.publish-all/todo-db: "FALSE"
                io.podman.annotations.publish-all/todo-web: "FALSE"
              creationTimestamp: "\(JSONCoding.timestamp(1_796_252_753))"
              labels:
                app: todo
              name: todo
            spec:
              automountServiceAccountToken: false
              containers:
              - command:
                - sh
                - -c
                - sleep 1000
                env:
                - name: MYSQL_DATABASE
                  value: todo
                - name: MYSQL_PASSWORD
                  value: todo-pw
                image: docker.io/library/busybox:latest
                name: todo-db
                ports:
                - containerPort: 80
                  hostPort: 8080
                resources: {}
                securityContext:
                  capabilities: {}
                volumeMounts:
                - mountPath: /host-tmp
                  name: tmp-host-1
                  readOnly: true
                - mountPath: /var/lib/mysql
                  name: todo-db-pvc
              - env:
                - name: DB_HOST
                  value: 127.0.0.1
                image: docker.io/library/nginx:1.24
                name: todo-web
                resources: {}
                securityContext:
                  capabilities: {}
                workingDir: /app
              enableServiceLinks: false
              hostname: todo
              restartPolicy: Never
              volumes:
              - hostPath:
                  path: /tmp
                  type: Directory
                name: tmp-host-1
              - name: todo-db-pvc
                persistentVolumeClaim:
                  claimName: todo-db
            status: {}

            """
        let text = try generator.yaml()
        #expect(text == expected)

        // What podlab writes, podlab plays: the same containers, volumes and variables.
        let documents = try KubeDecoder.decode(text, file: "todo.yaml")
        guard case .pod(let pod) = documents.first else { Issue.record("\(documents)"); return }
        #expect(pod.containers.map(\.name) == ["todo-db", "todo-web"])
        #expect(pod.containers[0].command == ["sh", "-c", "sleep 1000"])
        #expect(pod.volumes.contains(KubeVolume(name: "todo-db-pvc", source: .claim("todo-db"))))
        #expect(pod.publishedPorts == [KubePort(containerPort: 80, hostPort: 8080)])
    }
}
