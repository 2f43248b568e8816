// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "edpctl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "edpctl", targets: ["edpctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.2.0"),
    ],
    targets: [
        .executableTarget(
            name: "edpctl",
            dependencies: [
                "Bootstrap",
                "Hydrate",
                "Secrets",
                "Gomplate",
                "Template",
                "Git",
                "YAML",
                "HTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["BuildInfo"]
        ),
        // Before every build: the commit, its date and whether the tree is dirty, for `edpctl version`.
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .systemLibrary(
            name: "CLibgit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .target(
            name: "Git",
            dependencies: ["CLibgit2", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // YAML over the system libyaml: nodes with positions, a check that builds no tree.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(
            name: "YAML",
            dependencies: ["CYAML"]
        ),
        // kubeconfig as kubectl resolves it, in-cluster configuration, exec credential plugins.
        .target(
            name: "Kube",
            dependencies: ["YAML", "HTTP"]
        ),
        // secrets.yaml, value sources and checks, the plan (create / keep / update / rotate), redaction.
        .target(
            name: "Secrets",
            dependencies: ["Kube", "Template", "YAML"]
        ),
        // Go's text/template language and the Go runtime ports it needs; no function library.
        .target(name: "Template"),
        // edpctl rebuild: platform.yaml, the disaster-recovery steps, and the runner that orders them
        // by their needs, runs them side by side and journals them for --resume.
        .target(
            name: "Bootstrap",
            dependencies: ["Secrets", "Kube", "HTTP", "Git", "Template", "YAML",
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        // gomplate's functions, data formats and sources, rendering a file or a tree.
        .target(
            name: "Gomplate",
            dependencies: [
                "Template",
                "YAML",
                "HTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // The EDP hydration job: stacks into <provider>/<domain>/, guarded, committed and pushed.
        .target(
            name: "Hydrate",
            dependencies: ["Gomplate", "Template", "YAML", "Git"]
        ),
        // libcurl, for the HTTP module.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // An HTTP client over libcurl for the Kubernetes client: TLS from memory, proxies, retries.
        .target(
            name: "HTTP",
            dependencies: ["CCurl"]
        ),
        // What the test targets share: the git CLI, a git http-backend server, a fake Kubernetes API server (Tests/Support).
        .target(
            name: "TestSupport",
            path: "Tests/Support",
            exclude: ["git-http-server.py", "fake-kube-apiserver.py"]
        ),
        .testTarget(
            name: "TemplateTests",
            dependencies: ["Template", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "GomplateTests",
            dependencies: ["Gomplate", "Template", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "HydrateTests",
            dependencies: ["Hydrate", "Gomplate", "Template", "YAML", "Git", "TestSupport"]
        ),
        .testTarget(
            name: "EdpctlTests",
            dependencies: ["TestSupport"],
            exclude: ["Support/validate-json-schema.py"]
        ),
        .testTarget(
            name: "YAMLTests",
            dependencies: ["YAML", "TestSupport"]
        ),
        .testTarget(
            name: "KubeTests",
            dependencies: ["Kube", "YAML", "HTTP", "TestSupport"]
        ),
        .testTarget(
            name: "HTTPTests",
            dependencies: ["HTTP", "TestSupport"]
        ),
        .testTarget(
            name: "SecretsTests",
            dependencies: ["Secrets", "Kube", "Template", "YAML", "TestSupport"]
        ),
        .testTarget(
            name: "BootstrapTests",
            dependencies: ["Bootstrap", "YAML", "Kube", "TestSupport"]
        ),
        .testTarget(
            name: "GitTests",
            dependencies: ["Git", "CLibgit2", "TestSupport"]
        ),
    ]
)
