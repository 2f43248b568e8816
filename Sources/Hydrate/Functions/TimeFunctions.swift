extension FunctionTable {
    mutating func addTimeFunctions() {
    }
}
