import Foundation
import Kube
import TestSupport
import Testing

/// benchmarks/watch-latency.sh runs this suite (it sets EDPCTL_WATCH_BENCH_RUNS): the time from a
/// change to `waitUntil`'s return, against the same wait done as before streaming (1-s watch
/// windows read whole, `watch(…) -> [WatchEvent]`), each change made at a random moment 0.2 to
/// 1.2 s after its wait started. Writes the figures as JSON to EDPCTL_WATCH_BENCH_OUT.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["EDPCTL_WATCH_BENCH_RUNS"] != nil,
                             "a benchmark: benchmarks/watch-latency.sh runs it"))
struct WatchLatencyBenchmark {
    @Test func latencyFromAChangeToTheWaitsReturn() throws {
        let environment = ProcessInfo.processInfo.environment
        let runs = Int(environment["EDPCTL_WATCH_BENCH_RUNS"] ?? "") ?? 20
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        var random = SplitMix64(seed: 13)
        var streamed: [Double] = []
        var windowed: [Double] = []
        for run in 0..<(2 * runs) {
            let name = "flag-\(run)"
            try client.create(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": name, "namespace": "penvoice"],
                               "data": ["ready": "false"]])
            let delay = 0.2 + Double(random.next() % 1000) / 1000
            let changed = Moment()
            let writer = DispatchSemaphore(value: 0)
            Thread {
                Thread.sleep(forTimeInterval: delay)
                changed.mark()
                _ = try? client.patch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: name,
                                      merge: ["data": ["ready": "true"]])
                writer.signal()
            }.start()
            let ready = { (object: [String: Any]?) in (object?["data"] as? [String: String])?["ready"] == "true" }
            if run % 2 == 0 {
                try client.waitUntil(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: name,
                                     timeout: 10, awaited: "ready", condition: ready)
            } else {
                try waitInWindows(client, name: name, condition: ready)
            }
            let latency = Date().timeIntervalSince(try #require(changed.value))
            writer.wait()
            if run % 2 == 0 { streamed.append(latency) } else { windowed.append(latency) }
        }
        let result: [String: Any] = [
            "runs": runs,
            "streamed": ["median": median(streamed), "max": streamed.max() ?? 0],
            "oneSecondWindows": ["median": median(windowed), "max": windowed.max() ?? 0],
        ]
        let text = String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys, .prettyPrinted]),
                          as: UTF8.self)
        if let out = environment["EDPCTL_WATCH_BENCH_OUT"] { try write(text + "\n", to: out) }
        #expect(median(streamed) < 0.1, "\(text)")
        #expect(median(windowed) > median(streamed), "\(text)")
    }

    /// The wait as it was before streaming: watches of 1 s read whole, from the object's version.
    private func waitInWindows(_ client: KubeClient, name: String, condition: ([String: Any]?) -> Bool) throws {
        let object = try client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: name)
        var since = (object?["metadata"] as? [String: Any])?["resourceVersion"] as? String
        while true {
            let events = try client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: name,
                                          resourceVersion: since, timeoutSeconds: 1)
            for event in events {
                since = event.resourceVersion ?? since
                if condition(event.object) { return }
            }
        }
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
