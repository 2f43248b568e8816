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
    ],
    targets: [
        .executableTarget(
            name: "edpctl",
            dependencies: [
                "Hydrate",
                "Git",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .systemLibrary(
            name: "CLibgit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .target(
            name: "Git",
            dependencies: ["CLibgit2"]
        ),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(
            name: "YAML",
            dependencies: ["CYAML"]
        ),
        .target(
            name: "Hydrate",
            dependencies: ["YAML"]
        ),
        // What the test targets share: the git CLI, a git http-backend server (Tests/Support).
        .target(
            name: "TestSupport",
            path: "Tests/Support",
            exclude: ["git-http-server.py"]
        ),
        .testTarget(
            name: "HydrateTests",
            dependencies: ["Hydrate", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EdpctlTests",
            dependencies: ["Hydrate", "TestSupport"]
        ),
        .testTarget(
            name: "YAMLTests",
            dependencies: ["YAML", "TestSupport"]
        ),
        .testTarget(
            name: "GitTests",
            dependencies: ["Git", "TestSupport"]
        ),
    ]
)
