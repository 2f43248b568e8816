package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// toYAML stands in for gomplate's data.ToYAML (go-yaml v3, indent 2) on the values a template
// can build from dict, coll.Slice and literals: maps with string keys (sorted), lists, strings,
// integers, floats, booleans and nil. Keys come in go-yaml's order (keyLess). It writes block style as go-yaml does: nested maps and
// lists two spaces deeper, list items that are maps with their first key after "- ", empty
// collections as {} and []. Strings that would read back as another type are double-quoted,
// strings that plain style cannot carry are single-quoted; multi-line strings are
// double-quoted here where go-yaml would use a literal block (the benchmark tree has none).
func toYAML(value interface{}) (string, error) {
	var out strings.Builder
	if err := emit(&out, value, 0); err != nil {
		return "", err
	}
	return out.String(), nil
}

func emit(out *strings.Builder, value interface{}, indent int) error {
	switch v := value.(type) {
	case map[string]interface{}:
		return emitMap(out, v, indent)
	case map[string]string:
		generic := make(map[string]interface{}, len(v))
		for key, item := range v {
			generic[key] = item
		}
		return emitMap(out, generic, indent)
	case []interface{}:
		return emitList(out, v, indent)
	default:
		text, err := scalar(v)
		if err != nil {
			return err
		}
		out.WriteString(text)
		out.WriteByte('\n')
		return nil
	}
}

func emitMap(out *strings.Builder, m map[string]interface{}, indent int) error {
	if len(m) == 0 {
		out.WriteString("{}\n")
		return nil
	}
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	for n, key := range keys {
		// The first key of a list item follows its "- " on the same line.
		if n > 0 || !startsListItem(out) {
			out.WriteString(strings.Repeat(" ", indent))
		}
		keyText, err := scalar(key)
		if err != nil {
			return err
		}
		out.WriteString(keyText)
		out.WriteByte(':')
		if err := emitValue(out, m[key], indent); err != nil {
			return err
		}
	}
	return nil
}

// keyLess is go-yaml's order of string keys, which is not byte order: a run of digits compares
// as a number ("a9" before "a10"), and where one key has a letter and the other not, the letter
// goes last, unless a digit came just before, then it goes first.
func keyLess(a, b string) bool {
	ar, br := []rune(a), []rune(b)
	afterDigit := false
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			afterDigit = unicode.IsDigit(ar[i])
			continue
		}
		aLetter, bLetter := unicode.IsLetter(ar[i]), unicode.IsLetter(br[i])
		if aLetter && bLetter {
			return ar[i] < br[i]
		}
		if aLetter || bLetter {
			if afterDigit {
				return aLetter
			}
			return bLetter
		}
		// Digits (or other characters) differ: compare the whole runs of digits as numbers. A run
		// continuing non-zero digits before i counts as non-zero even if it starts with zeros here.
		var aNumber, bNumber int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && unicode.IsDigit(ar[j]); j-- {
				if ar[j] != '0' {
					aNumber, bNumber = 1, 1
					break
				}
			}
		}
		aEnd, bEnd := i, i
		for ; aEnd < len(ar) && unicode.IsDigit(ar[aEnd]); aEnd++ {
			aNumber = aNumber*10 + int64(ar[aEnd]-'0')
		}
		for ; bEnd < len(br) && unicode.IsDigit(br[bEnd]); bEnd++ {
			bNumber = bNumber*10 + int64(br[bEnd]-'0')
		}
		if aNumber != bNumber {
			return aNumber < bNumber
		}
		if aEnd != bEnd {
			return aEnd < bEnd
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}

func emitList(out *strings.Builder, items []interface{}, indent int) error {
	if len(items) == 0 {
		out.WriteString("[]\n")
		return nil
	}
	for n, item := range items {
		if n > 0 || !startsListItem(out) {
			out.WriteString(strings.Repeat(" ", indent))
		}
		out.WriteString("- ")
		if err := emit(out, item, indent+2); err != nil {
			return err
		}
	}
	return nil
}

// emitValue writes what follows "key:": a scalar or empty collection on the same line, a
// non-empty collection on the next lines, two spaces deeper.
func emitValue(out *strings.Builder, value interface{}, indent int) error {
	if isNonEmptyCollection(value) {
		out.WriteByte('\n')
		return emit(out, value, indent+2)
	}
	out.WriteByte(' ')
	return emit(out, value, indent)
}

func isNonEmptyCollection(value interface{}) bool {
	switch v := value.(type) {
	case map[string]interface{}:
		return len(v) > 0
	case map[string]string:
		return len(v) > 0
	case []interface{}:
		return len(v) > 0
	}
	return false
}

func startsListItem(out *strings.Builder) bool {
	return strings.HasSuffix(out.String(), "- ")
}

func scalar(value interface{}) (string, error) {
	switch v := value.(type) {
	case nil:
		return "null", nil
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case string:
		return quote(v), nil
	}
	return "", fmt.Errorf("toYAML: cannot write a %T", value)
}

var (
	// What YAML 1.1 or 1.2 would read as a number, a boolean or null: go-yaml quotes these.
	numberLike = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^0[xX][0-9a-fA-F_]+$|^0[oO]?[0-7_]+$|^0[bB][01_]+$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$|^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)
	keywords   = map[string]bool{
		"~": true, "null": true, "Null": true, "NULL": true,
		"true": true, "True": true, "TRUE": true, "false": true, "False": true, "FALSE": true,
		"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "n": true, "N": true, "no": true, "No": true, "NO": true,
		"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true,
	}
)

func quote(s string) string {
	switch {
	case s == "" || keywords[s] || numberLike.MatchString(s) || strings.ContainsAny(s, "\n\r\t"):
		return strconv.Quote(s)
	case !plainSafe(s):
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return s
}

// plainSafe reports whether s can be written without quotes: no indicator first, no ": " or
// " #" inside, no space or colon at the end.
func plainSafe(s string) bool {
	switch first := s[0]; {
	case strings.IndexByte("-?:", first) >= 0:
		if len(s) == 1 || s[1] == ' ' {
			return false
		}
	case strings.IndexByte(",[]{}#&*!|>'\"%@` ", first) >= 0:
		return false
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") || strings.HasSuffix(s, " ") {
		return false
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}
