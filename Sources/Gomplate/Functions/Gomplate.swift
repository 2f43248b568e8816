import Template
extension FunctionTable {
    /// Every gomplate function edpctl has, under gomplate's names and aliases.
    public static let gomplate: FunctionTable = {
        var table = FunctionTable()
        table.addConvFunctions()
        table.addDataFunctions()
        table.addStringFunctions()
        table.addCollFunctions()
        table.addTestFunctions()
        table.addRegexpFunctions()
        table.addMathFunctions()
        table.addBase64Functions()
        table.addCryptoFunctions()
        table.declareCryptoInputs()
        table.addPathFunctions()
        table.addFileFunctions()
        table.addRandomFunctions()
        table.addTimeFunctions()
        table.addEnvFunctions()
        table.addTemplateFunctions()
        table.addDataSourceFunctions()
        return table
    }()
}

extension FunctionTable {
    /// CryptoFunctions.swift is being moved onto swift-crypto on another branch; until its
    /// registrations say what they read, they are declared here by their Go names. Digests, PBKDF2
    /// and decryption are pure; encryption draws a random IV. Any other stays undeclared.
    private mutating func declareCryptoInputs() {
        let pure: Set<String> = [
            "SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "SHA512_224", "SHA512_256", "SHA1Bytes", "SHA224Bytes",
            "SHA256Bytes", "SHA384Bytes", "SHA512Bytes", "SHA512_224Bytes", "SHA512_256Bytes", "PBKDF2", "PBKDF2MCF",
            "WPAPSK", "AESDecrypt", "AESDecryptBytes",
        ]
        for (name, function) in functions where name.hasPrefix("crypto.") && function.reads == .undeclared {
            let reads: FunctionInputs
            if pure.contains(function.name) {
                reads = []
            } else if function.name == "AESEncrypt" {
                reads = .randomness
            } else {
                continue
            }
            add(TemplateFunction(function.name, atLeast: function.minArguments, atMost: function.maxArguments,
                                 reads: reads, function.body), as: name)
        }
    }
}
