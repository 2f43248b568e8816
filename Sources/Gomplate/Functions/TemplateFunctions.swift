import Template
extension FunctionTable {
    /// gomplate's `tmpl` namespace: nested template calls that return a string, so their output can
    /// be piped (`tmpl.Exec "T" . | indent 2`), inline templates, and the template's own path.
    mutating func addTemplateFunctions() {
        add(TemplateFunction("Exec", atLeast: 1, atMost: 2, reads: .templates) { arguments, context in
            let data = arguments.count == 2 ? arguments[1] : context.rootData
            return .string(try context.executeNamedTemplate(try arguments[0].gomplateString(), data: data))
        }, as: "tmpl.Exec")
        add(TemplateFunction("Inline", atLeast: 1, reads: .templates) { arguments, context in
            var name = "<inline>"
            var text: String
            var data = context.rootData
            switch arguments.count {
            case 1:
                text = try arguments[0].gomplateString()
            case 2:
                if case .string(let second) = arguments[1] {
                    name = try arguments[0].gomplateString()
                    text = second
                } else {
                    text = try arguments[0].gomplateString()
                    data = arguments[1]
                }
            case 3:
                name = try arguments[0].gomplateString()
                text = try arguments[1].gomplateString()
                data = arguments[2]
            default:
                throw FunctionError("wrong number of args for tpl: want 1, 2, or 3 - got \(arguments.count)")
            }
            return .string(try context.executeInline(name: name, text: text, data: data))
        }, as: "tmpl.Inline", "tpl")
        add(TemplateFunction("Path", arguments: 0, reads: .templates) { _, context in
            .string(context.host.templatePath)
        }, as: "tmpl.Path")
        add(TemplateFunction("PathDir", arguments: 0, reads: .templates) { _, context in
            .string(goPathDir(context.host.templatePath))
        }, as: "tmpl.PathDir")
    }
}

/// Go's `path.Dir`, for `tmpl.PathDir`.
private func goPathDir(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let directory = String(path[..<slash])
    return directory.isEmpty ? "/" : directory
}
