import PodlabCLI

@main
enum Entry {
    static func main() async {
        await CommandLineEntry.run()
    }
}
