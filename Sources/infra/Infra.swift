import InfraCLI

@main
enum Infra {
    static func main() async {
        await InfraCommand.main()
    }
}
