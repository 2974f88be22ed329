import PodlabCLI

@main
enum Entry {
    static func main() {
        CommandLineEntry.run()
    }
}
