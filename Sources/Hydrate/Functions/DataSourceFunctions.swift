extension FunctionTable {
    mutating func addDataSourceFunctions() {
    }
}
