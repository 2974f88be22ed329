import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// The database lessons' promises, checked with the offline mariadb and todo images: a row outlives the container
/// that wrote it when the data is on a volume, and the app in a pod reads and writes the database beside it.
@Suite struct DatabaseTests {
    let directory = TemporaryDirectory("podlab-db")
    var podman: Podman { Podman(root: directory.file("storage")) }

    /// Waits until the server in `container` answers a query over TCP: the first start's temporary server (set-up,
    /// no networking) answers only on its socket, so an answer here is the real server's.
    func waitForServer(_ container: String, password: String) throws -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if try podman("exec", container, "mariadb", "--protocol=tcp", "-h127.0.0.1", "-uroot", "-p\(password)", "-e", "SELECT 1").status == 0 {
                return true
            }
            guard try podman("inspect", "--format", "{{.State.Status}}", container).stdout == "running\n" else { return false }
            usleep(200_000)
        }
        return false
    }

    /// A container's output, for a failure's message.
    func logs(_ container: String) -> String {
        (try? podman("logs", container)).map { "\($0)" } ?? "(no logs)"
    }

    @Test func aRowOutlivesItsDatabaseContainer() throws {
        defer { _ = try? podman("rm", "-f", "-a") }
        #expect(try podman("volume", "create", "db-data").status == 0)
        let first = try podman("run", "-d", "--name", "db1", "-v", "db-data:/var/lib/mysql", "-e", "MARIADB_ROOT_PASSWORD=pw",
                               "-e", "MYSQL_DATABASE=shop", "docker.io/library/mariadb:10.11")
        #expect(first.status == 0, "\(first)")
        #expect(try waitForServer("db1", password: "pw"), "\(logs("db1"))")
        // The password is what lets root in over TCP (install-db's passwordless root@127.0.0.1 is gone).
        let anonymous = try podman("exec", "db1", "mariadb", "--protocol=tcp", "-h127.0.0.1", "-uroot", "-e", "SELECT 1")
        #expect(anonymous.status != 0 && anonymous.stderr.contains("Access denied for user 'root'@'127.0.0.1' (using password: NO)"), "\(anonymous)")
        let insert = try podman("exec", "db1", "mariadb", "-uroot", "-ppw", "shop", "-e",
                                "CREATE TABLE kept (v VARCHAR(20)); INSERT INTO kept VALUES ('row-42')")
        #expect(insert.status == 0, "\(insert)")
        #expect(try podman("rm", "-f", "db1").status == 0)

        // A new container on the same volume: the data is used as it is (its root password included).
        #expect(try podman("run", "-d", "--name", "db2", "-v", "db-data:/var/lib/mysql", "-e", "MARIADB_ROOT_PASSWORD=other",
                           "docker.io/library/mariadb:10.11").status == 0)
        #expect(try waitForServer("db2", password: "pw"), "\(logs("db2"))")
        let select = try podman("exec", "db2", "mariadb", "-uroot", "-ppw", "shop", "-N", "-e", "SELECT v FROM kept")
        #expect(select.stdout == "row-42\n", "\(select)")
        #expect(try podman("logs", "db2").stdout.contains("/var/lib/mysql holds a database already: using it as it is"))

        // Control: without the volume, a new container starts from nothing.
        // (With the hostname localhost, whose root account the set-up keeps.)
        #expect(try podman("run", "-d", "--name", "db3", "--hostname", "localhost", "-e", "MARIADB_ROOT_PASSWORD=pw", "-e", "MYSQL_DATABASE=shop",
                           "docker.io/library/mariadb:10.11").status == 0)
        #expect(try waitForServer("db3", password: "pw"))
        #expect(try podman("exec", "db3", "mariadb", "-uroot", "-ppw", "shop", "-N", "-e", "SELECT v FROM kept").status != 0)
    }

    @Test func theAppInAPodReadsAndWritesTheDatabase() throws {
        #expect(try podman("pod", "create", "--name", "shop").status == 0)
        defer { _ = try? podman("pod", "rm", "-f", "shop") }
        #expect(try podman("run", "-d", "--pod", "shop", "--name", "db", "-e", "MARIADB_ROOT_PASSWORD=root-pw",
                           "-e", "MYSQL_DATABASE=todo", "-e", "MYSQL_USER=todo", "-e", "MYSQL_PASSWORD=todo-pw",
                           "docker.io/library/mariadb:10.11").status == 0)
        #expect(try podman("run", "-d", "--pod", "shop", "--name", "web", "-e", "DB_HOST=127.0.0.1", "-e", "DB_USER=todo",
                           "-e", "DB_PASSWORD=todo-pw", "-e", "DB_NAME=todo", "docker.io/podlab/todo:1.0").status == 0)
        // `todo add` waits for the database's first start by itself.
        let add = try podman("exec", "web", "todo", "add", "买牛奶")
        #expect(add.status == 0 && add.stdout.contains("added: 买牛奶"), "\(add)\n\(logs("db"))")
        let row = try podman("exec", "db", "mariadb", "-utodo", "-ptodo-pw", "todo", "-N", "-e", "SELECT title FROM todos")
        #expect(row.stdout == "买牛奶\n", "the row is in the database container: \(row)")
        let page = try podman("exec", "web", "wget", "-q", "-O", "-", "http://127.0.0.1/api/todos")
        #expect(page.status == 0 && page.stdout.contains("买牛奶"), "the app's page reads it back: \(page)")
    }
}
