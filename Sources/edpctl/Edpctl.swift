import ArgumentParser

@main
struct Edpctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edpctl",
        abstract: "Rebuild a GitOps platform after a disaster and keep its configuration hydrated.",
        discussion: """
            Examples:
              edpctl render -i 'domain: <<< .Env.DOMAIN >>>'  # render a template string
              edpctl hydrate --instances ../instances --env-file env --commit
              edpctl secrets check -f secrets.yaml           # are the Secrets all there?
              edpctl rebuild --dry-run                       # what a rebuild would change
              edpctl hydrate --help                          # one command's flags
            """,
        version: EdpctlVersion.current,
        subcommands: [Render.self, HydrateCommand.self, SecretsCommand.self, Rebuild.self, Version.self]
    )
}
