// Command go-render is the benchmark's reference: it renders a template tree with Go's own
// text/template the way `gomplate --input-dir DIR --output-dir DIR` does (one file after the
// other, parent folders created, whitespace-only output not written), with `.Env` as the data
// and the few gomplate functions the benchmark tree uses: dict (coll.Dict), coll.Slice and
// toYAML (data.ToYAML). Standard library only, so it builds offline.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

func main() {
	inputDir := flag.String("input-dir", "", "the template tree to render")
	outputDir := flag.String("output-dir", "", "where the rendered tree goes")
	leftDelim := flag.String("left-delim", "<<<", "left action delimiter")
	rightDelim := flag.String("right-delim", ">>>", "right action delimiter")
	flag.Parse()
	if *inputDir == "" || *outputDir == "" {
		fmt.Fprintln(os.Stderr, "usage: go-render --input-dir DIR --output-dir DIR [--left-delim L --right-delim R]")
		os.Exit(2)
	}
	r := renderer{
		inputDir:  *inputDir,
		outputDir: *outputDir,
		left:      *leftDelim,
		right:     *rightDelim,
		data:      map[string]interface{}{"Env": environment()},
	}
	if err := filepath.WalkDir(r.inputDir, r.visit); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// environment is gomplate's `.Env`: every variable of the process, as strings.
func environment() map[string]string {
	env := map[string]string{}
	for _, entry := range os.Environ() {
		if name, value, found := strings.Cut(entry, "="); found {
			env[name] = value
		}
	}
	return env
}

type renderer struct {
	inputDir, outputDir string
	left, right         string
	data                map[string]interface{}
}

var functions = template.FuncMap{
	"dict":   dict,
	"coll":   func() collNamespace { return collNamespace{} },
	"toYAML": toYAML,
}

func (r renderer) visit(path string, entry fs.DirEntry, err error) error {
	if err != nil || entry.IsDir() {
		return err
	}
	relative, err := filepath.Rel(r.inputDir, path)
	if err != nil {
		return err
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	tmpl, err := template.New(relative).Delims(r.left, r.right).Option("missingkey=error").Funcs(functions).Parse(string(text))
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, r.data); err != nil {
		return err
	}
	if isWhitespace(out.Bytes()) {
		return nil
	}
	info, err := entry.Info()
	if err != nil {
		return err
	}
	target := filepath.Join(r.outputDir, relative)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	return os.WriteFile(target, out.Bytes(), info.Mode().Perm())
}

// isWhitespace is gomplate's test for output it does not write: only space, tab, CR, LF or VT.
func isWhitespace(text []byte) bool {
	for _, c := range text {
		switch c {
		case ' ', '\t', '\r', '\n', '\v':
		default:
			return false
		}
	}
	return true
}

// dict is gomplate's coll.Dict: alternating keys and values; a missing last value is "".
func dict(pairs ...interface{}) map[string]interface{} {
	result := make(map[string]interface{}, (len(pairs)+1)/2)
	for i := 0; i < len(pairs); i += 2 {
		key := fmt.Sprint(pairs[i])
		if i+1 < len(pairs) {
			result[key] = pairs[i+1]
		} else {
			result[key] = ""
		}
	}
	return result
}

// collNamespace makes `coll.Slice` callable as gomplate's namespaced function is: `coll`
// returns a value whose methods the template calls.
type collNamespace struct{}

func (collNamespace) Slice(items ...interface{}) []interface{} { return items }

func (collNamespace) Dict(pairs ...interface{}) map[string]interface{} { return dict(pairs...) }
