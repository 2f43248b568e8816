/// The most one function call may produce or compute, and how deep decoded data may nest, so that
/// a few bytes of template or data cannot make edpctl run for hours, exhaust memory or overflow a
/// thread's stack (`seq 4294967296`, `strings.Repeat`, `random.String`, YAML aliases).
/// Go and gomplate have no such limits and fail by running out of memory instead; these are set
/// far above what a rendered manifest needs, and each refusal names the limit it hit.
package enum WorkLimits {
    /// The longest string a function builds: 64 MiB. Kubernetes refuses objects over 1.5 MiB and a
    /// ConfigMap over 1 MiB, so a 64 MiB value is never a manifest; building one takes well under a
    /// second, and a few of them fit in memory at once.
    package static let maxStringBytes = 64 << 20

    /// The most elements a function puts into a list (`seq`): 10,000,000, a list of about 400 MB in
    /// memory. `range seq 1 N` is how templates loop N times; real loops count replicas or ports.
    package static let maxListElements = 10_000_000

    /// The deepest nesting of lists and maps decoded from YAML, JSON or TOML: 1,000 levels, the
    /// parser's own limit for YAML syntax (aliases can nest further). Everything that walks a
    /// value recurses once per level. Renders run on Dispatch worker threads, whose stacks are
    /// 8 MiB on Linux (measured); a debug build's deepest walk (toTOML) needs about 1.7 KiB a
    /// level, so 1,000 levels take under a quarter of such a stack.
    package static let maxNestingDepth = 1_000

    /// The most nodes (list elements, map entries, scalars) one function call walks to print,
    /// encode, compare, flatten or merge a value: 10,000,000. Lists and maps are shared when a
    /// template puts one value into another, so 64 doublings of `coll.Slice $x $x` make a value of
    /// a few hundred bytes in memory and 2^64 nodes to walk. Ten million nodes is 400 times a
    /// 25,000-line manifest, and walking them takes well under a second in a release build.
    package static let maxWalkNodes = 10_000_000

    /// The most steps one template execution takes: 10,000,000. A step is a `range` iteration, a
    /// `template` call or a function call; 4 nodes a function walks, 4 elements of a list or map
    /// it returns and 256 bytes of text it takes or returns count as one more, each about as much
    /// work as a loop iteration. Nested loops over `seq` and templates that call themselves twice
    /// per level otherwise run for years on a few hundred bytes of source. The bundled templates
    /// take no steps at all (fields only), the files of the benchmark tree at most 124; a release
    /// build stops nested `seq` loops in 2 s and self-calling templates in about 10 s on a busy
    /// machine. Gomplate has no such limit.
    package static let maxExecutionSteps = 10_000_000

    /// The most bytes one template execution writes, its own output and that of the templates it
    /// calls (`template`, `tmpl.Exec`, `tmpl.Inline`) together: 256 MiB. Kubernetes stores objects
    /// of at most 1.5 MiB, and the largest manifest bundles (CRDs) are a few MiB. An output is held
    /// in memory until written, and `render --input-dir` renders one file per core at once, so the
    /// limit times the cores must fit in memory.
    package static let maxOutputBytes = 256 << 20

    /// Refuses a string of `bytes` bytes (nil: too many to count) when it would exceed the limit.
    package static func checkString(bytes: Int?) throws {
        guard let bytes, bytes <= maxStringBytes else {
            let size = bytes.map { "result of \($0) bytes" } ?? "result"
            throw FunctionError("\(size) exceeds the limit of \(maxStringBytes) bytes (64 MiB)")
        }
    }

    /// `count × size` bytes, or nil when the product overflows.
    package static func product(_ count: Int, _ size: Int) -> Int? {
        let (total, overflow) = count.multipliedReportingOverflow(by: size)
        return overflow ? nil : total
    }

    /// `a + b`, or nil when the sum overflows.
    package static func sum(_ a: Int?, _ b: Int) -> Int? {
        guard let a else { return nil }
        let (total, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : total
    }

    package static func checkList(elements: Int) throws {
        guard elements <= maxListElements else {
            throw FunctionError("list of \(elements) elements exceeds the limit of \(maxListElements)")
        }
    }
}
