import PodlabCLI
import PodlabNetCLI

/// podlab-net: podlab's command line with the registry commands answered here (see NetBinary).
@main
enum Entry {
    static func main() {
        NetCommands.install()
        CommandLineEntry.run()
    }
}
