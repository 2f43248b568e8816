import Template
/// A host whose data sources a template can list and extend (`listDatasources`, `defineDatasource`).
/// `FunctionContext` only reads sources; hosts that can do more adopt this too.
public protocol DataSourceCatalog: FunctionContext {
    /// Defines `alias` for the rest of the template, unless it is already defined.
    func defineDataSource(_ alias: String, url: String) throws
    /// Every alias the template can read, sorted.
    var dataSourceAliases: [String] { get }
}

// gomplate's data source functions (internal/funcs/datasource.go). Each alias is registered under
// its own name because Go's messages name the function as the template called it.
extension FunctionTable {
    mutating func addDataSourceFunctions() {
        for name in ["datasource", "ds"] {
            add(TemplateFunction(name, atLeast: 1, reads: .dataSources) { args, call in
                let (alias, subpath) = try aliasAndSubpath(args)
                return try call.host.dataSource(alias, subpath: subpath)
            }, as: name)
        }

        add(TemplateFunction("include", atLeast: 1, reads: .dataSources) { args, call in
            let (alias, subpath) = try aliasAndSubpath(args)
            return .string(try call.host.dataSourceText(alias, subpath: subpath))
        }, as: "include")

        add(TemplateFunction("datasourceExists", arguments: 1, reads: .dataSources) { args, call in
            .bool(call.host.hasDataSource(try stringArgument(args[0])))
        }, as: "datasourceExists")

        add(TemplateFunction("datasourceReachable", atLeast: 1, reads: .dataSources) { args, call in
            let (alias, subpath) = try aliasAndSubpath(args)
            guard call.host.hasDataSource(alias) else { return .bool(false) }
            return .bool((try? call.host.dataSourceText(alias, subpath: subpath)) != nil)
        }, as: "datasourceReachable")

        add(TemplateFunction("defineDatasource", arguments: 2, reads: .dataSources) { args, call in
            let alias = try stringArgument(args[0])
            let url = try stringArgument(args[1])
            guard let catalog = call.host as? DataSourceCatalog else {
                throw FunctionError("data sources can't be defined here")
            }
            try catalog.defineDataSource(alias, url: url)
            return .string("")
        }, as: "defineDatasource")

        add(TemplateFunction("listDatasources", arguments: 0, reads: .dataSources) { _, call in
            let aliases = (call.host as? DataSourceCatalog)?.dataSourceAliases ?? []
            return .list(aliases.map { .string($0) })
        }, as: "listDatasources")
    }
}

/// The functions take Go `string` parameters; text/template refuses any other type.
private func stringArgument(_ value: Value) throws -> String {
    guard case .string(let text) = value else {
        throw FunctionError("wrong type for value; expected string; got \(value.goTypeName)")
    }
    return text
}

/// `(alias string, args ...string)`: gomplate reads only the first of the extra arguments.
private func aliasAndSubpath(_ args: [Value]) throws -> (String, String?) {
    let alias = try stringArgument(args[0])
    let extra = try args.dropFirst().map(stringArgument)
    return (alias, extra.first)
}
