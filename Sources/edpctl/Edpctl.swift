import ArgumentParser

@main
struct Edpctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edpctl",
        abstract: "Rebuild a GitOps platform after a disaster and keep its configuration hydrated.",
        version: EdpctlVersion.current,
        subcommands: [Render.self, HydrateCommand.self, SecretsCommand.self, Rebuild.self, Version.self]
    )
}
