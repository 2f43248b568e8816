module edpctl.example/benchmarks/go-render

go 1.19
