extension FunctionTable {
    mutating func addEnvFunctions() {
    }
}
