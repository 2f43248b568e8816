import Template
import Gomplate
extension Hydrator {
    /// Refuses a templates directory that overlaps the request's instance folder
    /// (`<instances>/<provider>/<domain>`), by their real paths (links, `./` and a trailing `/` make
    /// no difference; the folder need not exist yet): the same folder (hydrating overwrites the
    /// templates), templates inside it (pruning deletes them, being no output) or it inside the
    /// templates (every run hydrates the last run's outputs again). Templates elsewhere in the
    /// instances repository (`instances/templates`) are fine. Reads nothing of either tree, so it
    /// can run before anything is cloned, read or written; `plan` runs it first.
    public static func checkTemplatesApart(_ request: HydrationRequest) throws {
        // A missing templates directory is `validate`'s to report.
        guard let templates = try? realPath(request.templatesDirectory) else { return }
        let folder = cleanPath(request.instancesDirectory) + "/" + request.instancePath
        let realFolder: String
        do {
            realFolder = try realPathCreating(folder)
        } catch {
            throw HydrationError.invalidInput("\(error)")
        }
        let shownTemplates = cleanPath(request.templatesDirectory)
        if realFolder == templates {
            throw HydrationError.invalidInput(
                "the templates directory \(shownTemplates) is the instance folder \(folder): hydrating would "
                    + "overwrite the templates; keep them out of every <instances>/<provider>/<domain> folder")
        }
        if isPath(templates, inside: realFolder) {
            throw HydrationError.invalidInput(
                "the templates directory \(shownTemplates) is inside the instance folder \(folder): hydrating would "
                    + "remove the templates, which are none of its outputs; keep them out of every "
                    + "<instances>/<provider>/<domain> folder")
        }
        if isPath(realFolder, inside: templates) {
            throw HydrationError.invalidInput(
                "the instance folder \(folder) is inside the templates directory \(shownTemplates): every run would "
                    + "hydrate the last run's outputs again; keep the instances out of the templates")
        }
    }
}
