extension FunctionTable {
    mutating func addBase64Functions() {
    }
}
