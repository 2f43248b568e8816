extension FunctionTable {
    mutating func addTemplateFunctions() {
    }
}
