// Command golden renders the template cases in IN with Go's text/template and writes each case
// with Go's output or error to OUT, so the Swift engine can be checked against Go itself.
//
// Usage: go run tools/golden/main.go IN OUT
//
// Each input line is a JSON object: name, template, and optionally data, left, right, missingkey
// and defines (a list of {name, text} parsed into the same set with t.New(name).Parse(text)).
// Only Go's builtin functions are available, because the Swift side runs with builtins only.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/template"
	"unicode/utf8"
)

type define struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

type goldenCase struct {
	Name       string          `json:"name"`
	Template   string          `json:"template"`
	Data       json.RawMessage `json:"data,omitempty"`
	Left       string          `json:"left,omitempty"`
	Right      string          `json:"right,omitempty"`
	MissingKey string          `json:"missingkey,omitempty"`
	Defines    []define        `json:"defines,omitempty"`
}

type goldenResult struct {
	goldenCase
	// DataText is data re-written as flow YAML (JSON with a space after every colon and
	// comma, numbers kept as written), which the Swift side feeds to its YAML decoder.
	DataText string  `json:"dataText,omitempty"`
	Output   *string `json:"output,omitempty"`
	Error    string  `json:"error,omitempty"`
	Phase    string  `json:"phase,omitempty"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run tools/golden/main.go IN OUT")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "golden:", err)
		os.Exit(1)
	}
}

func run(inPath, outPath string) error {
	in, err := os.ReadFile(inPath)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	encoder := json.NewEncoder(&out)
	encoder.SetEscapeHTML(false)
	seen := map[string]int{}
	scanner := bufio.NewScanner(bytes.NewReader(in))
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	lineNumber := 0
	for scanner.Scan() {
		lineNumber++
		line := strings.TrimSpace(scanner.Text())
		if line == "" {
			continue
		}
		c, err := decodeCase(line)
		if err != nil {
			return fmt.Errorf("%s:%d: %v", inPath, lineNumber, err)
		}
		if first, dup := seen[c.Name]; dup {
			return fmt.Errorf("%s:%d: case %q already on line %d", inPath, lineNumber, c.Name, first)
		}
		seen[c.Name] = lineNumber
		result, err := render(c)
		if err != nil {
			return fmt.Errorf("%s:%d: case %q: %v", inPath, lineNumber, c.Name, err)
		}
		if err := encoder.Encode(result); err != nil {
			return err
		}
	}
	if err := scanner.Err(); err != nil {
		return err
	}
	return os.WriteFile(outPath, out.Bytes(), 0o644)
}

func decodeCase(line string) (goldenCase, error) {
	var c goldenCase
	decoder := json.NewDecoder(strings.NewReader(line))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&c); err != nil {
		return c, err
	}
	if c.Name == "" {
		return c, fmt.Errorf("a case needs a name")
	}
	switch c.MissingKey {
	case "", "error", "default", "zero":
	default:
		return c, fmt.Errorf("missingkey %q is not error, default or zero", c.MissingKey)
	}
	if (c.Left == "") != (c.Right == "") {
		return c, fmt.Errorf("left and right delimiters go together")
	}
	return c, nil
}

func render(c goldenCase) (goldenResult, error) {
	result := goldenResult{goldenCase: c}
	var data any
	if len(c.Data) > 0 {
		var err error
		if data, err = decodeData(c.Data); err != nil {
			return result, fmt.Errorf("data: %v", err)
		}
		if result.DataText, err = flowYAML(c.Data); err != nil {
			return result, fmt.Errorf("data: %v", err)
		}
	}
	left, right := c.Left, c.Right
	if left == "" {
		left, right = "<<<", ">>>"
	}
	missingKey := c.MissingKey
	if missingKey == "" {
		missingKey = "error"
	}
	tmpl := template.New(c.Name).Delims(left, right).Option("missingkey=" + missingKey)
	if _, err := tmpl.Parse(c.Template); err != nil {
		result.Error, result.Phase = err.Error(), "parse"
		return result, nil
	}
	for _, d := range c.Defines {
		if _, err := tmpl.New(d.Name).Parse(d.Text); err != nil {
			result.Error, result.Phase = err.Error(), "parse"
			return result, nil
		}
	}
	var output strings.Builder
	if err := tmpl.Execute(&output, data); err != nil {
		result.Error, result.Phase = err.Error(), "exec"
		return result, nil
	}
	text := output.String()
	// JSON (and Swift's String) can't carry invalid UTF-8: such a case would compare a
	// replacement character, not Go's bytes.
	if !utf8.ValidString(text) {
		return result, fmt.Errorf("output is not valid UTF-8: %q", text)
	}
	result.Output = &text
	return result, nil
}

// decodeData decodes JSON the way edpctl's YAML decoder types values: a number is an int
// when it is written as an integer that fits, else a float64.
func decodeData(raw json.RawMessage) (any, error) {
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var value any
	if err := decoder.Decode(&value); err != nil {
		return nil, err
	}
	return convertNumbers(value)
}

func convertNumbers(value any) (any, error) {
	switch v := value.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(v.String(), 10, 64); err == nil && i >= math.MinInt && i <= math.MaxInt {
			return int(i), nil
		}
		return v.Float64()
	case []any:
		for i := range v {
			converted, err := convertNumbers(v[i])
			if err != nil {
				return nil, err
			}
			v[i] = converted
		}
	case map[string]any:
		for key := range v {
			converted, err := convertNumbers(v[key])
			if err != nil {
				return nil, err
			}
			v[key] = converted
		}
	}
	return value, nil
}

// flowYAML re-writes JSON with a space after each colon and comma (a YAML 1.1 parser needs
// them in flow collections), keeping key order and the text of numbers.
func flowYAML(raw json.RawMessage) (string, error) {
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var out strings.Builder
	if err := writeFlow(decoder, &out); err != nil {
		return "", err
	}
	if _, err := decoder.Token(); err != io.EOF {
		return "", fmt.Errorf("trailing data after the value")
	}
	return out.String(), nil
}

func writeFlow(decoder *json.Decoder, out *strings.Builder) error {
	token, err := decoder.Token()
	if err != nil {
		return err
	}
	switch t := token.(type) {
	case json.Delim:
		closing := "]"
		if t == '{' {
			closing = "}"
		}
		out.WriteString(t.String())
		for first := true; decoder.More(); first = false {
			if !first {
				out.WriteString(", ")
			}
			if t == '{' {
				key, err := decoder.Token()
				if err != nil {
					return err
				}
				writeString(out, key.(string))
				out.WriteString(": ")
			}
			if err := writeFlow(decoder, out); err != nil {
				return err
			}
		}
		if _, err := decoder.Token(); err != nil {
			return err
		}
		out.WriteString(closing)
	case string:
		writeString(out, t)
	case json.Number:
		out.WriteString(t.String())
	case bool:
		out.WriteString(strconv.FormatBool(t))
	case nil:
		out.WriteString("null")
	}
	return nil
}

func writeString(out *strings.Builder, s string) {
	var buffer bytes.Buffer
	encoder := json.NewEncoder(&buffer)
	encoder.SetEscapeHTML(false)
	_ = encoder.Encode(s) // encoding a string can't fail
	out.WriteString(strings.TrimSuffix(buffer.String(), "\n"))
}
