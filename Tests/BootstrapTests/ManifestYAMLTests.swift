@testable import Bootstrap
import Foundation
import Testing
import TestSupport
import YAML

/// YAML read as Kubernetes reads it (go-yaml v2's scalars), and values written back keeping types.
@Suite struct ManifestYAMLTests {
    /// The JSON text of `yaml`'s first document, keys sorted.
    func json(_ yaml: String) throws -> String {
        let document = try #require(try YAMLParser.documents(in: yaml).first)
        let value = try ManifestYAML.json(document, file: "test.yaml")
        let data = try JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .fragmentsAllowed])
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    @Test(arguments: [
        ("a: 1", #"{"a":1}"#),
        ("a: -0x1F", #"{"a":-31}"#),
        ("mode: 0644", #"{"mode":420}"#),
        ("mode: '0644'", #"{"mode":"0644"}"#),
        ("a: 1_000", #"{"a":1000}"#),
        ("a: 1.5e3", #"{"a":1500}"#),
        ("a: [yes, No, on, OFF, true, y]", #"{"a":[true,false,true,false,true,true]}"#),
        ("a: [~, null, NULL]", #"{"a":[null,null,null]}"#),
        ("a:", #"{"a":null}"#),
        ("a: !!str 12", #"{"a":"12"}"#),
        ("a: !!int '12'", #"{"a":12}"#),
        ("a: \"true\"", #"{"a":"true"}"#),
        ("a: |\n  x\n", #"{"a":"x\n"}"#),
        ("a: 1.2.3", #"{"a":"1.2.3"}"#),
        ("a: v1.31.4+k3s1", #"{"a":"v1.31.4+k3s1"}"#),
        ("base: &b {x: 1, y: 2}\nc: {<<: *b, y: 3}", #"{"base":{"x":1,"y":2},"c":{"x":1,"y":3}}"#),
    ])
    func scalarsResolveAsKubernetesReadsThem(_ yaml: String, _ expected: String) throws {
        #expect(try json(yaml) == expected)
    }

    /// Values written back and read again are the values read in the first place.
    @Test(arguments: [
        "a: {b: true, c: \"true\", d: 8080, e: \"8080\", f: 1.5, g: null, h: ~}",
        "list: [{name: x, on: \"yes\"}, [1, two], plain words, 'it''s', \"a: b\", \"#x\", '- x', '']",
        "text: |\n  line one\n  line two\n",
        "keys: {\"quoted key\": 1, \"a: b\": 2, 3: three}",
        "empty: {m: {}, l: []}",
        "tagged: {a: !!str 5, b: !!float 1}",
    ])
    func valuesRoundTrip(_ yaml: String) throws {
        let document = try #require(try YAMLParser.documents(in: yaml).first)
        let written = try ManifestYAML.text(of: document, file: "platform.yaml")
        #expect(try json(written) == json(yaml), "\(written)")
    }

    @Test func aMultiDocumentFileGivesItsObjectsWithPositions() throws {
        let folder = try TemporaryFolder("manifest-yaml")
        let file = folder.child("m.yaml")
        try write("# comment\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n---\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n", to: file)
        let objects = try ManifestYAML.objects(inFile: file)
        #expect(objects.map { ($0.object["metadata"] as? [String: Any])?["name"] as? String } == ["a", "b"])
        #expect(objects.map(\.line) == [3, 9])
        #expect(throws: ManifestError.self) { try ManifestYAML.objects(inFile: folder.child("missing.yaml")) }
    }
}
