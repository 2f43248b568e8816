import Foundation
import Testing
import TestSupport
@testable import Hydrate
@testable import Gomplate
import Template

/// A scratch folder with a one-stack template tree at `templates/` and an `instances/` folder.
private final class PlacementFixture {
    private let folder: TemporaryFolder
    var root: String { folder.path }

    init() throws {
        folder = try TemporaryFolder("hydration-paths")
        try FileManager.default.createDirectory(atPath: folder.child("instances"), withIntermediateDirectories: true)
        try writeTemplates(at: "templates")
    }

    func write(_ relative: String, _ text: String) throws { try plant(root + "/" + relative, Array(text.utf8)) }

    func writeTemplates(at relative: String) throws {
        try write(relative + "/registry/core.yaml", "name: core\n")
        try write(relative + "/stacks/core/a.yaml", "domain: <<< .Env.DOMAIN >>>\n")
    }

    func link(_ relative: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: root + "/" + relative, withDestinationPath: destination)
    }

    func request(templates: String = "templates", instances: String = "instances",
                 domain: String = "a.de") -> HydrationRequest {
        HydrationRequest(templatesDirectory: root + "/" + templates, instancesDirectory: root + "/" + instances,
                         provider: "p", domain: domain, stacks: ["core"], variables: [:])
    }

    @discardableResult
    func hydrate(_ request: HydrationRequest) throws -> HydrationReport {
        try Hydrator.apply(try Hydrator.plan(request))
    }

    /// Every file and link below the root with its bytes (a link's target), to show nothing changed.
    func snapshot() -> [String: [UInt8]] {
        var snapshot: [String: [UInt8]] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let path = enumerator?.nextObject() as? String {
            let full = root + "/" + path
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: full) {
                snapshot[path] = Array(target.utf8)
            } else if let data = FileManager.default.contents(atPath: full) {
                snapshot[path] = [UInt8](data)
            }
        }
        return snapshot
    }
}

/// The message of the HydrationError `body` throws, nil when it throws none.
private func hydrationMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        #expect(error is HydrationError, "\(error)")
        return "\(error)"
    }
}

@Suite("Hydration: templates and instance folders apart")
struct HydrationPlacementTests {
    @Test(arguments: [
        // (templates, instances, what is said)
        ("t2", "t2", "the instance folder ROOT/t2/p/a.de is inside the templates directory ROOT/t2: every run would hydrate the last run's outputs again"),
        ("t2/", "./t2", "the instance folder ROOT/t2/p/a.de is inside the templates directory ROOT/t2: every run would hydrate the last run's outputs again"),
        ("instances/p/a.de", "instances", "the templates directory ROOT/instances/p/a.de is the instance folder ROOT/instances/p/a.de: hydrating would overwrite the templates"),
        ("./instances/p/a.de/", "instances/", "the templates directory ROOT/instances/p/a.de is the instance folder ROOT/instances/p/a.de: hydrating would overwrite the templates"),
        ("linked", "instances", "the templates directory ROOT/linked is the instance folder ROOT/instances/p/a.de: hydrating would overwrite the templates"),
        ("instances/p/a.de/tpl", "instances", "the templates directory ROOT/instances/p/a.de/tpl is inside the instance folder ROOT/instances/p/a.de: hydrating would remove the templates"),
        ("linked/tpl", "instances", "the templates directory ROOT/linked/tpl is inside the instance folder ROOT/instances/p/a.de: hydrating would remove the templates"),
        ("templates", "templates/out", "the instance folder ROOT/templates/out/p/a.de is inside the templates directory ROOT/templates: every run would hydrate the last run's outputs again"),
        ("templates", "linked-templates", "the instance folder ROOT/linked-templates/p/a.de is inside the templates directory ROOT/templates: every run would hydrate the last run's outputs again"),
    ])
    func templatesOverlappingTheInstanceFolderAreRefusedBeforeAnythingIsWritten(_ testCase: (String, String, String)) throws {
        let fixture = try PlacementFixture()
        try fixture.writeTemplates(at: "t2")
        try fixture.writeTemplates(at: "instances/p/a.de")
        try fixture.writeTemplates(at: "instances/p/a.de/tpl")
        try FileManager.default.createDirectory(atPath: fixture.root + "/templates/out", withIntermediateDirectories: true)
        try fixture.link("linked", to: "instances/p/a.de")
        try fixture.link("linked-templates", to: "templates")
        let before = fixture.snapshot()
        let (templates, instances, message) = testCase
        let request = fixture.request(templates: templates, instances: instances)
        for _ in 0..<2 {
            let error = hydrationMessage { try fixture.hydrate(request) }
            #expect(error?.hasPrefix(message.replacingOccurrences(of: "ROOT", with: fixture.root)) == true, "\(error ?? "none")")
        }
        #expect(throws: HydrationError.self) { try Hydrator.checkTemplatesApart(request) }
        #expect(fixture.snapshot() == before)
    }

    @Test func templatesElsewhereInTheInstancesRepositoryAreFine() throws {
        let fixture = try PlacementFixture()
        try fixture.writeTemplates(at: "instances/templates")
        try fixture.writeTemplates(at: "instances/p/b.de/templates")
        for _ in 0..<2 { try fixture.hydrate(fixture.request(templates: "instances/templates")) }
        // Templates inside another domain's folder are outside this one's.
        try fixture.hydrate(fixture.request(templates: "instances/p/b.de/templates", domain: "c.de"))
        let expected = ["registry/core.yaml": "name: core\n", "stacks/core/a.yaml": "domain: a.de\n"]
        for (path, text) in expected {
            #expect(try String(contentsOfFile: fixture.root + "/instances/p/a.de/" + path, encoding: .utf8) == text)
        }
        #expect(FileManager.default.fileExists(atPath: fixture.root + "/instances/templates/stacks/core/a.yaml"))
        #expect(FileManager.default.fileExists(atPath: fixture.root + "/instances/p/b.de/templates/stacks/core/a.yaml"))
    }

    @Test func aLinkIntoTheTemplatesOwnGitFolderIsRefused() throws {
        let fixture = try PlacementFixture()
        try fixture.write("templates/.git/config", "[remote \"origin\"]\n\turl = https://ci:SECRET-TOKEN@example.org/t.git\n")
        try fixture.link("templates/stacks/core/cfg.txt", to: "../../.git/config")
        let real = try realPath(fixture.root + "/templates")
        let error = hydrationMessage { try fixture.hydrate(fixture.request()) }
        #expect(error == "\(fixture.root)/templates/stacks/core/cfg.txt: symbolic link to \(real)/.git/config leads to "
                + ".git/config, which is not a template (names starting with '.' are not followed)")
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/instances/p"))
    }

    @Test func specialFilesAndNamesThatAreNotUTF8AreRefusedBeforeAnythingIsWritten() throws {
        let fixture = try PlacementFixture()
        #expect(mkfifo(fixture.root + "/templates/stacks/core/pipe.yaml", 0o644) == 0)
        try plantRaw(rawPath(fixture.root + "/templates/stacks/core", Array("n".utf8) + [0xFF] + Array(".yaml".utf8)))
        let error = hydrationMessage { try fixture.hydrate(fixture.request()) }
        #expect(error == """
            \(fixture.root)/templates/stacks/core/n\\xff.yaml: the file name is not valid UTF-8, which edpctl can't carry \
            into output names: rename the file, or leave it out (.gomplateignore)
            \(fixture.root)/templates/stacks/core/pipe.yaml: a named pipe (fifo): only regular files, and links to them, \
            can be templates
            """)
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/instances/p"))
    }
}

@Suite("Hydration: instance folder names are bytes")
struct HydrationNameTests {
    @Test func aStaleDecomposedNameIsPrunedAndTheComposedOneWritten() throws {
        let fixture = try PlacementFixture()
        try fixture.write("templates/stacks/core/\(composedCafe).yaml", "name: composed\n")
        try fixture.write("instances/p/a.de/stacks/core/\(decomposedCafe).yaml", "name: stale\n")
        let plan = try Hydrator.plan(fixture.request())
        #expect(plan.files.map { Array($0.path.utf8) } == [
            Array("registry/core.yaml".utf8), Array("stacks/core/a.yaml".utf8), Array("stacks/core/\(composedCafe).yaml".utf8),
        ])
        #expect(plan.files.allSatisfy { $0.change == .create })
        #expect(plan.removals.map { Array($0.path.utf8) } == [Array("stacks/core/\(decomposedCafe).yaml".utf8)])
        #expect(plan.unifiedDiff().contains("-name: stale\n"))
        try fixture.hydrate(fixture.request())
        #expect(rawNames(fixture.root + "/instances/p/a.de/stacks/core") == [
            Array("a.yaml".utf8), Array("\(composedCafe).yaml".utf8),
        ])
        let again = try Hydrator.plan(fixture.request())
        #expect(!again.hasChanges)
    }

    @Test func leftoversWhoseNamesAreNotUTF8ArePruned() throws {
        let fixture = try PlacementFixture()
        try fixture.hydrate(fixture.request())
        let folder = fixture.root + "/instances/p/a.de"
        try plantRaw(rawPath(folder, Array("n".utf8) + [0xFF] + Array(".yaml".utf8)), Array("old: 1\n".utf8))
        try makeRawDirectory(rawPath(folder, [0xFE]))
        try plantRaw(rawPath(folder, [0xFE], Array("x.yaml".utf8)))
        try makeRawDirectory(rawPath(folder, Array("stacks".utf8), [0xC3, 0x28]))
        let plan = try Hydrator.plan(fixture.request())
        #expect(plan.removals.map(\.path) == ["n\\xff.yaml", "\\xfe/x.yaml"])
        #expect(plan.removedDirectories == ["stacks/\\xc3(", "\\xfe"])
        #expect(plan.unifiedDiff().contains("--- a/p/a.de/n\\xff.yaml\n+++ /dev/null\n"))
        let report = try Hydrator.apply(plan)
        #expect(report.removed == ["p/a.de/n\\xff.yaml", "p/a.de/\\xfe/x.yaml"])
        #expect(rawNames(folder) == [Array("registry".utf8), Array("stacks".utf8)])
        #expect(rawNames(folder + "/stacks") == [Array("core".utf8)])
    }

    @Test func existingOutputsAreReadFromTheFileScannedNeverThroughALink() throws {
        let fixture = try PlacementFixture()
        try fixture.hydrate(fixture.request())
        try fixture.write("outside/secret.yaml", "SECRET\n")
        let folder = fixture.root + "/instances/p/a.de"
        let contents = try InstanceContents(scanning: folder)
        let entry = try #require(contents.entries[PathKey("stacks/core/a.yaml")])
        try FileManager.default.removeItem(atPath: folder + "/stacks/core/a.yaml")
        try fixture.link("instances/p/a.de/stacks/core/a.yaml", to: fixture.root + "/outside/secret.yaml")
        #expect(throws: FileError.self) { try contents.contents(of: entry, at: folder + "/stacks/core/a.yaml") }
        // A folder swapped for a link is not read through either.
        let registry = try #require(contents.entries[PathKey("registry/core.yaml")])
        try fixture.write("outside/registry/core.yaml", "SECRET\n")
        try FileManager.default.removeItem(atPath: folder + "/registry")
        try fixture.link("instances/p/a.de/registry", to: fixture.root + "/outside/registry")
        #expect(throws: FileError.self) { try contents.contents(of: registry, at: folder + "/registry/core.yaml") }
    }

    @Test func anInstanceFolderSwappedForALinkIsNotScanned() throws {
        let fixture = try PlacementFixture()
        try fixture.write("outside/x.yaml", "x\n")
        try FileManager.default.createDirectory(atPath: fixture.root + "/instances/p", withIntermediateDirectories: true)
        try fixture.link("instances/p/a.de", to: fixture.root + "/outside")
        #expect(throws: FileError.self) { try InstanceContents(scanning: fixture.root + "/instances/p/a.de") }
    }
}
