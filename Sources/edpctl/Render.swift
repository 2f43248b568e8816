import ArgumentParser

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Render templates, gomplate-compatible.")

    func run() throws {
        throw ValidationError("not yet implemented")
    }
}
