// Command golden runs the regular expression cases in IN through Go's regexp package and writes
// each case with Go's results to OUT, so the Swift engine can be checked against Go itself.
//
// Usage: go run tools/regexp/golden/main.go IN OUT
//
// Each input line is a JSON object: pattern, text, and optionally n (the limit of FindAll and
// Split, -1 when absent) and replace (a template for ReplaceAllString). Each output line adds
// either error (the compile error) or matches (FindAllStringSubmatchIndex, byte offsets), split
// and, with replace, replaced.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
)

type regexpCase struct {
	Pattern string  `json:"pattern"`
	Text    string  `json:"text"`
	N       *int    `json:"n,omitempty"`
	Replace *string `json:"replace,omitempty"`
}

type regexpResult struct {
	regexpCase
	Error    string   `json:"error,omitempty"`
	Matches  [][]int  `json:"matches,omitempty"`
	Split    []string `json:"split,omitempty"`
	Replaced *string  `json:"replaced,omitempty"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run tools/regexp/golden/main.go IN OUT")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "golden:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	input, err := os.Open(in)
	if err != nil {
		return err
	}
	defer input.Close()
	output, err := os.Create(out)
	if err != nil {
		return err
	}
	defer output.Close()
	writer := bufio.NewWriter(output)
	encoder := json.NewEncoder(writer)
	encoder.SetEscapeHTML(false)
	scanner := bufio.NewScanner(input)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; scanner.Scan(); line++ {
		if len(scanner.Bytes()) == 0 {
			continue
		}
		var c regexpCase
		if err := json.Unmarshal(scanner.Bytes(), &c); err != nil {
			return fmt.Errorf("%s:%d: %v", in, line, err)
		}
		if err := encoder.Encode(evaluate(c)); err != nil {
			return err
		}
	}
	if err := scanner.Err(); err != nil {
		return err
	}
	return writer.Flush()
}

func evaluate(c regexpCase) regexpResult {
	result := regexpResult{regexpCase: c}
	re, err := regexp.Compile(c.Pattern)
	if err != nil {
		result.Error = err.Error()
		return result
	}
	n := -1
	if c.N != nil {
		n = *c.N
	}
	result.Matches = re.FindAllStringSubmatchIndex(c.Text, n)
	if result.Matches == nil {
		result.Matches = [][]int{}
	}
	result.Split = re.Split(c.Text, n)
	if result.Split == nil {
		result.Split = []string{}
	}
	if c.Replace != nil {
		replaced := re.ReplaceAllString(c.Text, *c.Replace)
		result.Replaced = &replaced
	}
	return result
}
