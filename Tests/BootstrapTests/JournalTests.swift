import Bootstrap
import Foundation
import Testing
import TestSupport

@Suite struct JournalTests {
    @Test func writtenAfterEveryStepWholeAndWithoutTemporaryFiles() throws {
        let folder = try TemporaryFolder()
        let path = Journal.path(in: folder.path)
        // At each step's start the journal on disk must parse and already hold the result of the step before.
        let seenBeforeStart = EventLog()
        let steps = [FakeStep("a", work: 0.05), FakeStep("b", needs: ["a"], work: 0.05), FakeStep("c", needs: ["b"])]
        _ = try Runner(steps: steps).run(RunOptions(stateDirectory: folder.path, fingerprint: "sha256:1")) { event in
            guard case .started(_, _, let step) = event, step != "a" else { return }
            let previous = step == "b" ? "a" : "b"
            let finished = (try? Journal.load(from: folder.path))??.steps[previous]?.result == .applied
            seenBeforeStart.add(.waiting(step: step, text: finished ? "\(previous) recorded" : "\(previous) missing"))
        }
        #expect(seenBeforeStart.events == [.waiting(step: "b", text: "a recorded"), .waiting(step: "c", text: "b recorded")])
        let journal = try #require(try Journal.load(from: folder.path))
        #expect(journal.fingerprint == "sha256:1")
        #expect(["a", "b", "c"].allSatisfy { journal.steps[$0]?.state == .finished && journal.steps[$0]?.result == .applied })
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [Journal.fileName])
        #expect((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))) is [String: Any])
    }

    @Test func stepNamesAreWrittenAsTheyAreSoGrepFindsThem() throws {
        let folder = try TemporaryFolder()
        var journal = Journal(fingerprint: "sha256:1")
        journal.steps["chart/argo-cd"] = .init(state: .started, result: nil, startedAt: Date())
        try journal.save(to: folder.path)
        let text = try read(Journal.path(in: folder.path))
        #expect(text.contains("\"chart/argo-cd\""), "\(text)")
        #expect(try Journal.load(from: folder.path)?.steps["chart/argo-cd"]?.state == .started)
    }

    @Test func theFingerprintIsTheSHA256OfTheFilesBytes() throws {
        // FIPS 180-2's example for "abc"; one byte more is another fingerprint.
        #expect(Journal.fingerprint(of: Data("abc".utf8))
            == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Journal.fingerprint(of: Data("abc\n".utf8)) != Journal.fingerprint(of: Data("abc".utf8)))
    }

    @Test func resumeSkipsWhatIsDoneAndRedoesAKilledStep() throws {
        let folder = try TemporaryFolder()
        let a = FakeStep("a", done: true), b = FakeStep("b", needs: ["a"]), c = FakeStep("c", needs: ["b"])
        // A journal as a run killed in the middle of b leaves it.
        var killed = Journal(fingerprint: "fp")
        killed.steps["a"] = .init(state: .finished, result: .applied, startedAt: Date(), duration: 1)
        killed.steps["b"] = .init(state: .started, result: nil, startedAt: Date())
        try killed.save(to: folder.path)
        #expect(killed.finishedSuccessfully("a") && !killed.finishedSuccessfully("b"))

        let report = try Runner(steps: [a, b, c]).run(RunOptions(resume: true, stateDirectory: folder.path, fingerprint: "fp"))
        #expect(report.records.map(\.result) == [.doneBefore, .applied, .applied])
        #expect([a.applies, b.applies, c.applies] == [Int]([0, 1, 1]))

        // A second resume changes nothing.
        let again = try Runner(steps: [a, b, c]).run(RunOptions(resume: true, stateDirectory: folder.path, fingerprint: "fp"))
        #expect(again.records.map(\.result) == [.doneBefore, .doneBefore, .doneBefore])
        #expect([a.applies, b.applies, c.applies] == [Int]([0, 1, 1]))
    }

    @Test func resumeRefusesAnotherPlatformFileAMissingOrCorruptJournal() throws {
        let folder = try TemporaryFolder()
        let path = Journal.path(in: folder.path)
        let step = FakeStep("a")
        #expect(throws: RunnerError("--resume: there is no journal at \(path); run without --resume")) {
            try Runner(steps: [step]).run(RunOptions(resume: true, stateDirectory: folder.path, fingerprint: "new"))
        }
        try Journal(fingerprint: "old").save(to: folder.path)
        #expect(throws: RunnerError("--resume: \(path) belongs to another platform file (fingerprint old, this one is new); run without --resume to start over")) {
            try Runner(steps: [step]).run(RunOptions(resume: true, stateDirectory: folder.path, fingerprint: "new"))
        }
        try write("{\"version\": 1, \"finger", to: path)
        let error = #expect(throws: RunnerError.self) {
            try Runner(steps: [step]).run(RunOptions(resume: true, stateDirectory: folder.path, fingerprint: "new"))
        }
        #expect(error?.description.hasPrefix("\(path): the journal is not valid") == true)
        #expect(error?.description.hasSuffix("move it away and run again without --resume (steps already done are detected by their checks)") == true)
        #expect(step.checks == 0)
    }
}
