import PodlabCLI
import PodlabKubeCLI

/// podlab-kube: podlab's command line with `kube generate|play|down` answered here (Yams and the Foundation it
/// brings stay out of podlab's own start-up).
@main
enum Entry {
    static func main() {
        KubeCommands.install()
        CommandLineEntry.run()
    }
}
