import CSpawn
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Deletes a container's directory, including files owned by ids of the user's subordinate range.
enum ContainerCleanup {
    static func removeDirectory(_ path: String, mapping: IDMapping) throws {
        do {
            try FileSystem.removeTree(path)
            return
        } catch {
            guard mapping.usesHelpers, error.errno == EACCES || error.errno == EPERM else { throw error }
        }
        // Files made by other users inside a rootless container: delete them as that container's root.
        var sync: [Int32] = [0, 0]
        guard podlab_pipe_cloexec(&sync) == 0 else { throw SystemError("pipe", path: path, errno: errno) }
        let stackSize = 256 << 10
        guard let stack = mmap(nil, stackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0),
              stack != MAP_FAILED else { throw SystemError("allocate", path: path, errno: errno) }
        defer { munmap(stack, stackSize) }
        let pid = podlab_clone_remove(path, sync[0], stack, stackSize)
        close(sync[0])
        defer { close(sync[1]) }
        guard pid > 0 else { throw SystemError("remove", path: path, errno: errno) }
        do { try mapping.apply(to: pid) } catch { kill(pid, SIGKILL) }
        var go: UInt8 = 1
        _ = write(sync[1], &go, 1)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        try FileSystem.removeTree(path)
    }
}
