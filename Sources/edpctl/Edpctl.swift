import ArgumentParser
import Foundation

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

    /// Swift's runtime reads the command line from /proc/self/cmdline. In a chroot without /proc
    /// it gets no argument at all, not even the program's name, and edpctl would print its help
    /// and exit 0 in place of the command that was asked for: a `hydrate --push` that did nothing.
    static func main() {
        guard CommandLine.argc > 0 else {
            FileHandle.standardError.write(Data("""
                edpctl: cannot read the command line: /proc is not mounted (Swift's runtime reads it \
                from /proc/self/cmdline); mount it, e.g. `mount -t proc proc /proc` in a chroot

                """.utf8))
            // 71, EX_OSERR of sysexits.h: the system could not give edpctl what it needs to start.
            Foundation.exit(71)
        }
        main(nil)
    }
}
