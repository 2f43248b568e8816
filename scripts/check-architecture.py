#!/usr/bin/env python3
"""Checks that the package keeps the module arrows of docs/architecture.md pointing one way.

Reads Package.swift (targets, their paths and dependencies) and the `import` lines of every
Swift file, and fails when
  - a target depends on (or imports) a module the architecture does not put below it (an upward
    or sideways arrow),
  - a file imports a module its target does not declare (a missing arrow, which SwiftPM may
    let through when another target happens to build it first),
  - a target of the architecture is missing from Package.swift.
Test targets may use their own module, the modules below it, and TestSupport.

usage: scripts/check-architecture.py [PACKAGE_DIR]     check the package
       scripts/check-architecture.py --self-test       prove the check fails where it should
"""
import os
import re
import shutil
import sys
import tempfile

# The arrows of docs/architecture.md (../shared/DESIGN.md's, plus the command line's direct uses of
# Gomplate, Template, Git and YAML): module -> modules it may use directly.
ARROWS = {
    "edpctl": {"Bootstrap", "Secrets", "Hydrate", "Gomplate", "Template", "Git", "YAML"},
    "Bootstrap": {"Secrets", "Kube", "Git", "YAML"},
    "Secrets": {"Kube", "Template", "YAML"},
    "Kube": {"HTTP", "YAML"},
    "HTTP": {"CCurl"},
    "Hydrate": {"Gomplate", "Template", "YAML", "Git"},
    "Gomplate": {"Template", "YAML", "HTTP"},
    "Template": set(),
    "YAML": {"CYAML"},
    "Git": {"CLibgit2"},
    "CCurl": set(),
    "CYAML": set(),
    "CLibgit2": set(),
}
# Modules the architecture requires today; the others arrive with their issues.
REQUIRED = {"edpctl", "Hydrate", "Gomplate", "Template", "YAML", "CYAML", "Git", "CLibgit2",
            "Secrets", "Kube", "HTTP", "CCurl", "Bootstrap"}
# Third-party products each module may use (module names as imported).
PRODUCTS = {
    "edpctl": {"ArgumentParser"},
    "Git": {"Crypto"},
    # helm-controller's configHash (SHA-256 of a chart's values), the journal's fingerprint, the k3s installer's checksum.
    "Bootstrap": {"Crypto"},
    "Gomplate": {"Crypto", "CryptoExtras", "SwiftASN1"},
}
SYSTEM = {"Foundation", "FoundationEssentials", "Dispatch", "Glibc", "Darwin", "Musl", "Testing", "XCTest", "os"}
TEST_SUPPORT = "TestSupport"


def below(module):
    """Every module reachable from `module` along the arrows."""
    seen, pending = set(), list(ARROWS.get(module, ()))
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(ARROWS.get(name, ()))
    return seen


def parse_package(text):
    """Targets of a Package.swift: name -> (kind, path or None, target deps, product modules)."""
    targets = {}
    for match in re.finditer(r"\.(target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*\"([^\"]+)\"", text):
        kind, name = match.groups()
        # The target's arguments run to the parenthesis that closes `.target(`.
        depth, index = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(text[index], 0)
            index += 1
        body = text[match.end():index]
        path = re.search(r"path:\s*\"([^\"]+)\"", body)
        dependencies = re.search(r"dependencies:\s*\[", body)
        names, products = set(), set()
        if dependencies:
            depth, end = 1, dependencies.end()
            while depth:
                depth += {"[": 1, "]": -1}.get(body[end], 0)
                end += 1
            listed = body[dependencies.end():end - 1]
            for product in re.finditer(r"\.product\(\s*name:\s*\"([^\"]+)\"", listed):
                products.add(product.group(1))
            listed = re.sub(r"\.product\([^)]*\)", "", listed)
            names = set(re.findall(r"\"([^\"]+)\"", listed))
        targets[name] = (kind, path.group(1) if path else None, names, products)
    return targets


def source_folder(root, name, kind, path):
    if path:
        return os.path.join(root, path)
    return os.path.join(root, "Tests" if kind == "testTarget" else "Sources", name)


def imports_of(folder):
    """(file, line number, module) of every import below `folder`."""
    found = []
    pattern = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|private|fileprivate)\s+)?"
                         r"import\s+(?:(?:struct|class|enum|func|var|let|protocol|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)")
    for directory, _, files in os.walk(folder):
        for file in sorted(files):
            if file.endswith(".swift"):
                path = os.path.join(directory, file)
                with open(path, encoding="utf-8") as handle:
                    for number, line in enumerate(handle, 1):
                        match = pattern.match(line)
                        if match:
                            found.append((path, number, match.group(1)))
    return found


def tested_module(name, targets):
    """The module a test target tests: its name without `Tests`, matched case-insensitively."""
    stem = name[:-len("Tests")] if name.endswith("Tests") else name
    for candidate in targets:
        if candidate.lower() == stem.lower():
            return candidate
    return None


def check(root, required=REQUIRED):
    with open(os.path.join(root, "Package.swift"), encoding="utf-8") as handle:
        targets = parse_package(handle.read())
    problems = []
    for name in sorted(required - set(targets)):
        problems.append(f"Package.swift: target {name} is missing")
    for name, (kind, path, dependencies, products) in sorted(targets.items()):
        if kind == "testTarget":
            module = tested_module(name, targets)
            if module is None:
                problems.append(f"Package.swift: test target {name} tests no module (name it after one: <Module>Tests)")
                continue
            allowed = {module, TEST_SUPPORT} | below(module)
            allowed_products = set().union(*(PRODUCTS.get(m, set()) for m in allowed))
        elif name == TEST_SUPPORT:
            allowed, allowed_products = set(), set()
        elif name in ARROWS:
            allowed, allowed_products = below(name), PRODUCTS.get(name, set())
        else:
            problems.append(f"Package.swift: target {name} is not in the architecture (docs/architecture.md)")
            continue
        for dependency in sorted(dependencies - allowed):
            problems.append(f"Package.swift: {name} depends on {dependency}, which is not below it")
        product_modules = {p for p in products}
        for product in sorted(product_modules - allowed_products):
            problems.append(f"Package.swift: {name} depends on the product {product}, which the architecture does not give it")
        if kind == "systemLibrary":
            continue
        for file, line, module in imports_of(source_folder(root, name, kind, path)):
            where = f"{os.path.relpath(file, root)}:{line}"
            if module in SYSTEM or module == name:
                continue
            if module in dependencies or module in product_modules:
                continue
            if module in targets or module in ARROWS:
                arrow = "an upward or sideways arrow" if module not in allowed else "a missing arrow"
                problems.append(f"{where}: {name} imports {module}, not among its dependencies in Package.swift ({arrow})")
            else:
                problems.append(f"{where}: {name} imports {module}, which no dependency of {name} in Package.swift provides")
    return problems


def self_test():
    """Builds small packages that break each rule and checks that every one is caught."""
    good = """
    let package = Package(name: "p", targets: [
        .executableTarget(name: "edpctl", dependencies: ["Hydrate", .product(name: "ArgumentParser", package: "a")]),
        .target(name: "Hydrate", dependencies: ["Gomplate", "Git"]),
        .target(name: "Gomplate", dependencies: ["Template"]),
        .target(name: "Template"),
        .target(name: "YAML", dependencies: ["CYAML"]),
        .systemLibrary(name: "CYAML"),
        .target(name: "Git", dependencies: ["CLibgit2"]),
        .systemLibrary(name: "CLibgit2"),
        .testTarget(name: "GomplateTests", dependencies: ["Gomplate", "Template"]),
    ])
    """
    files = {
        "Sources/edpctl/main.swift": "import ArgumentParser\nimport Hydrate\n",
        "Sources/Hydrate/a.swift": "import Foundation\nimport Gomplate\nimport Git\n",
        "Sources/Gomplate/a.swift": "import Template\n",
        "Sources/Template/a.swift": "import Foundation\n",
        "Sources/Git/a.swift": "internal import CLibgit2\n",
        "Tests/GomplateTests/a.swift": "import Testing\n@testable import Gomplate\nimport Template\n",
    }
    broken = [
        ("an upward import", {"Sources/Template/b.swift": "import Gomplate\n"}, None, "imports Gomplate"),
        ("a missing arrow", {"Sources/Gomplate/b.swift": "import Git\n"}, None, "imports Git"),
        ("an undeclared module", {"Sources/Gomplate/b.swift": "internal import CYaml\n"}, None, "imports CYaml"),
        ("an upward dependency", {}, ('.target(name: "Template")', '.target(name: "Template", dependencies: ["Gomplate"])'),
         "Template depends on Gomplate"),
        ("a test reaching up", {"Tests/GomplateTests/b.swift": "@testable import Hydrate\n"}, None, "imports Hydrate"),
        ("a missing target", {}, ('.target(name: "Template"),', ''), "target Template is missing"),
    ]
    failures = []
    for title, extra, package_edit, expected in [("the good package", {}, None, None)] + broken:
        root = tempfile.mkdtemp(prefix="check-architecture-")
        try:
            package = good if package_edit is None else good.replace(*package_edit)
            with open(os.path.join(root, "Package.swift"), "w", encoding="utf-8") as handle:
                handle.write(package)
            for path, text in {**files, **extra}.items():
                os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
                with open(os.path.join(root, path), "w", encoding="utf-8") as handle:
                    handle.write(text)
            problems = check(root, required={"edpctl", "Hydrate", "Gomplate", "Template", "YAML", "Git"})
            if expected is None and problems:
                failures.append(f"{title}: unexpected problems {problems}")
            if expected is not None and not any(expected in p for p in problems):
                failures.append(f"{title}: not caught (problems: {problems})")
        finally:
            shutil.rmtree(root)
    for failure in failures:
        print(f"self-test: {failure}", file=sys.stderr)
    print(f"check-architecture self-test: {1 + len(broken) - len(failures)} of {1 + len(broken)} cases behave")
    return 1 if failures else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    problems = check(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"architecture: {len(problems)} arrow(s) wrong (see docs/architecture.md)", file=sys.stderr)
        return 1
    print("architecture: every import and dependency points down the module arrows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
