extension FunctionTable {
    mutating func addFileFunctions() {
    }
}
