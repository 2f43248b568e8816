import Template

extension FunctionTable {
    /// The hint for a function this table lacks (`FunctionTable.unknownFunctionHint`): a name
    /// gomplate has is named as such; else Go's message, with the closest known name after it when
    /// one is close (`strings.ToUper` → `strings.ToUpper`), first among the namespace's own.
    static let gomplateUnknownFunctionHint: @Sendable (String, Set<String>) -> String? = { name, known in
        if gomplateFunctionNames.contains(name) {
            return "function \(goQuote(name)) is a gomplate function edpctl does not have (see docs/gomplate.md)"
        }
        var guess: String?
        if let dot = name.firstIndex(of: ".") {
            let namespace = name[...dot]
            guess = closestName(to: name, among: known.filter { $0.hasPrefix(namespace) })
        }
        guard let guess = guess ?? closestName(to: name, among: known) else { return nil }
        return "function \(goQuote(name)) not defined; did you mean \(goQuote(guess))?"
    }

    /// Every function and alias of gomplate v5, from its documentation (docs-src/content/functions/*.yml
    /// of hairyhenderson/gomplate, with the `crypto.SHA*` family its `rawName` entries stand for),
    /// less `conv.Bool` and `bool`, which the docs keep but v5's code removed (gomplate itself says
    /// `function "bool" not defined`), so that a template written for gomplate learns which of its
    /// functions edpctl does not build.
    static let gomplateFunctionNames: Set<String> = [
        "add", "append", "assert", "csv", "csvByColumn", "csvByRow", "cue", "datasource", "datasourceExists",
        "datasourceReachable", "default", "defineDatasource", "dict", "div", "ds", "ec2dynamic", "ec2meta",
        "ec2region", "ec2tag", "ec2tags", "fail", "flatten", "getenv", "has", "include", "indent", "isKind", "join",
        "jq", "json", "jsonArray", "jsonpath", "keys", "kind", "listDatasources", "merge", "mul", "pow", "prepend",
        "quote", "rem", "replaceAll", "required", "reverse", "seq", "set", "shellQuote", "sort", "squote", "sub",
        "ternary", "title", "toCSV", "toCUE", "toJSON", "toJSONPretty", "toLower", "toTOML", "toUpper", "toYAML",
        "toml", "tpl", "trimSpace", "uniq", "unset", "urlParse", "values", "yaml", "yamlArray",
        "aws.ARN", "aws.Account", "aws.EC2Dynamic", "aws.EC2Meta", "aws.EC2Region", "aws.EC2Tag", "aws.EC2Tags",
        "aws.KMSDecrypt", "aws.KMSEncrypt", "aws.UserID",
        "base64.Decode", "base64.DecodeBytes", "base64.Encode",
        "coll.Append", "coll.Dict", "coll.Flatten", "coll.GoSlice", "coll.Has", "coll.Index", "coll.JQ",
        "coll.JSONPath", "coll.Keys", "coll.Merge", "coll.Omit", "coll.Pick", "coll.Prepend", "coll.Reverse",
        "coll.Set", "coll.Slice", "coll.Sort", "coll.Uniq", "coll.Unset", "coll.Values",
        "conv.Atoi", "conv.Default", "conv.Join", "conv.ParseFloat", "conv.ParseInt", "conv.ParseUint",
        "conv.ToBool", "conv.ToBools", "conv.ToFloat64", "conv.ToFloat64s", "conv.ToInt", "conv.ToInt64",
        "conv.ToInt64s", "conv.ToInts", "conv.ToString", "conv.ToStrings", "conv.URL",
        "crypto.AESDecrypt", "crypto.AESDecryptBytes", "crypto.AESEncrypt", "crypto.Bcrypt", "crypto.DecryptAES",
        "crypto.DecryptAESBytes", "crypto.DerivePublicKey", "crypto.ECDSADerivePublicKey", "crypto.ECDSAGenerateKey",
        "crypto.Ed25519DerivePublicKey", "crypto.Ed25519GenerateKey", "crypto.Ed25519GenerateKeyFromSeed",
        "crypto.EncryptAES", "crypto.PBKDF2", "crypto.PBKDF2MCF", "crypto.RSADecrypt", "crypto.RSADecryptBytes",
        "crypto.RSADerivePublicKey", "crypto.RSAEncrypt", "crypto.RSAGenerateKey", "crypto.SHA1", "crypto.SHA1Bytes",
        "crypto.SHA224", "crypto.SHA224Bytes", "crypto.SHA256", "crypto.SHA256Bytes", "crypto.SHA384",
        "crypto.SHA384Bytes", "crypto.SHA512", "crypto.SHA512Bytes", "crypto.SHA512_224", "crypto.SHA512_224Bytes",
        "crypto.SHA512_256", "crypto.SHA512_256Bytes", "crypto.WPAPSK", "crypto.Yescrypt", "crypto.YescryptMCF",
        "data.CSV", "data.CSVByColumn", "data.CSVByRow", "data.CUE", "data.JSON", "data.JSONArray", "data.TOML",
        "data.ToCSV", "data.ToCUE", "data.ToJSON", "data.ToJSONPretty", "data.ToTOML", "data.ToYAML", "data.YAML",
        "data.YAMLArray",
        "env.Env", "env.ExpandEnv", "env.Getenv", "env.HasEnv",
        "file.Exists", "file.IsDir", "file.Read", "file.ReadDir", "file.Stat", "file.Walk", "file.Write",
        "filepath.Base", "filepath.Clean", "filepath.Dir", "filepath.Ext", "filepath.FromSlash", "filepath.IsAbs",
        "filepath.Join", "filepath.Match", "filepath.Rel", "filepath.Split", "filepath.ToSlash",
        "filepath.VolumeName",
        "gcp.Meta",
        "math.Abs", "math.Add", "math.Ceil", "math.Div", "math.Floor", "math.IsFloat", "math.IsInt", "math.IsNum",
        "math.Max", "math.Min", "math.Mul", "math.Pow", "math.Rem", "math.Round", "math.Seq", "math.Sub",
        "net.CIDRHost", "net.CIDRNetmask", "net.CIDRSubnetSizes", "net.CIDRSubnets", "net.LookupCNAME",
        "net.LookupIP", "net.LookupIPs", "net.LookupSRV", "net.LookupSRVs", "net.LookupTXT", "net.ParseAddr",
        "net.ParsePrefix", "net.ParseRange",
        "path.Base", "path.Clean", "path.Dir", "path.Ext", "path.IsAbs", "path.Join", "path.Match", "path.Split",
        "random.ASCII", "random.Alpha", "random.AlphaNum", "random.Float", "random.Item", "random.Number",
        "random.String",
        "regexp.Find", "regexp.FindAll", "regexp.Match", "regexp.QuoteMeta", "regexp.Replace",
        "regexp.ReplaceLiteral", "regexp.Split",
        "semver.CheckConstraint", "semver.Semver",
        "sockaddr.Attr", "sockaddr.Exclude", "sockaddr.GetAllInterfaces", "sockaddr.GetDefaultInterfaces",
        "sockaddr.GetInterfaceIP", "sockaddr.GetInterfaceIPs", "sockaddr.GetPrivateIP", "sockaddr.GetPrivateIPs",
        "sockaddr.GetPrivateInterfaces", "sockaddr.GetPublicIP", "sockaddr.GetPublicIPs",
        "sockaddr.GetPublicInterfaces", "sockaddr.Include", "sockaddr.Join", "sockaddr.Limit", "sockaddr.Math",
        "sockaddr.Offset", "sockaddr.Sort", "sockaddr.Unique",
        "strings.Abbrev", "strings.CamelCase", "strings.Contains", "strings.HasPrefix", "strings.HasSuffix",
        "strings.Indent", "strings.KebabCase", "strings.Quote", "strings.Repeat", "strings.ReplaceAll",
        "strings.RuneCount", "strings.ShellQuote", "strings.SkipLines", "strings.Slug", "strings.SnakeCase",
        "strings.Split", "strings.SplitN", "strings.Squote", "strings.Title", "strings.ToLower", "strings.ToUpper",
        "strings.Trim", "strings.TrimLeft", "strings.TrimPrefix", "strings.TrimRight", "strings.TrimSpace",
        "strings.TrimSuffix", "strings.Trunc", "strings.WordWrap",
        "test.Assert", "test.Fail", "test.IsKind", "test.Kind", "test.Required", "test.Ternary",
        "time.Now", "time.Parse", "time.ParseDuration", "time.ParseInLocation", "time.ParseLocal", "time.Since",
        "time.Unix", "time.Until", "time.ZoneName", "time.ZoneOffset",
        "tmpl.Exec", "tmpl.Inline", "tmpl.Path", "tmpl.PathDir",
        "uuid.IsValid", "uuid.Nil", "uuid.Parse", "uuid.V1", "uuid.V4", "uuid.V7"
    ]
}
