// Package fuzzjson turns fuzz input into structured mutations of a JSON document, for fuzz
// tests that need objects close to valid ones (an application with one field changed, a
// material removed, a date mistyped) rather than random bytes, which would almost never
// decode into the type under test. It also resolves field paths (spec.materials[3].files[0])
// against a document, so tests can check that a reported path is real.
//
// It is a test helper: only _test.go files import it.
package fuzzjson

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
)

// Mutate applies the mutations that data encodes to doc (a decoded JSON value: map[string]any,
// []any, string, float64, bool or nil) and returns the result; doc itself may be changed. The
// same data always gives the same result, and every byte string is a valid program, so the
// fuzzer's byte-level mutations become structured ones.
func Mutate(doc any, data []byte, dictionary []string) any {
	m := &mutator{data: data, dict: dictionary}
	for len(m.data) > 0 {
		v := m.node(doc, 0)
		if v == deleted {
			return doc
		}
		doc = v
	}
	return doc
}

type mutator struct {
	data []byte
	dict []string
}

// deleted is returned for a node to be removed from its parent.
var deleted = &struct{}{}

const maxDepth = 10

func (m *mutator) byte() byte {
	if len(m.data) == 0 {
		return 0
	}
	b := m.data[0]
	m.data = m.data[1:]
	return b
}

// node walks down from v as the data says and replaces one node; it returns v's replacement.
func (m *mutator) node(v any, depth int) any {
	b := m.byte()
	if depth < maxDepth && b%4 != 0 { // descend
		switch t := v.(type) {
		case map[string]any:
			if len(t) > 0 {
				keys := slices.Sorted(maps.Keys(t))
				k := keys[int(m.byte())%len(keys)]
				if nv := m.node(t[k], depth+1); nv == deleted {
					delete(t, k)
				} else {
					t[k] = nv
				}
				return t
			}
		case []any:
			if len(t) > 0 {
				i := int(m.byte()) % len(t)
				if nv := m.node(t[i], depth+1); nv == deleted {
					return slices.Delete(t, i, i+1)
				} else {
					t[i] = nv
				}
				return t
			}
		}
	}
	return m.replace(v)
}

// replace picks a new value for v.
func (m *mutator) replace(v any) any {
	switch op := m.byte() % 12; op {
	case 0:
		return deleted
	case 1:
		return nil
	case 2:
		if len(m.dict) > 0 {
			return m.dict[int(m.byte())%len(m.dict)]
		}
		return ""
	case 3: // a short string of raw bytes
		n := int(m.byte()) % 24
		n = min(n, len(m.data))
		s := string(m.data[:n])
		m.data = m.data[n:]
		return s
	case 4: // a small or boundary integer
		switch b := m.byte(); b % 4 {
		case 0:
			return float64(int8(m.byte()))
		case 1:
			return float64(int64(1) << (m.byte() % 64))
		case 2:
			return -float64(int64(1) << (m.byte() % 64))
		default:
			return float64(int16(uint16(m.byte())<<8 | uint16(m.byte())))
		}
	case 5: // a decimal
		return float64(int16(uint16(m.byte())<<8|uint16(m.byte()))) / 100
	case 6:
		return m.byte()%2 == 0
	case 7: // a date, often not a real one
		return fmt.Sprintf("%04d-%02d-%02d", 1990+int(m.byte()%80), int(m.byte()%14), int(m.byte()%33))
	case 8: // duplicate an element, or grow a string
		switch t := v.(type) {
		case []any:
			if len(t) > 0 {
				return append(t, clone(t[int(m.byte())%len(t)]))
			}
		case string:
			return t + t
		}
		return v
	case 9:
		return []any{}
	case 10:
		return map[string]any{}
	default: // a value of another type from the same document shape: a list of one v
		return []any{clone(v)}
	}
}

func clone(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// ToDoc encodes v as JSON and decodes it as a generic document.
func ToDoc(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var doc any
	return doc, json.Unmarshal(b, &doc)
}

// segment is one step of a field path: a name or an index.
var segment = regexp.MustCompile(`^(?:\.?([A-Za-z0-9_-]+)|\[(\d+)\])`)

// Resolve checks that path (as field.Path.String() renders it, e.g. spec.materials[3].files[0])
// names a place in doc: every index is within its list and every name but the last is a key
// of an object; the last name may be absent (a required field that is missing is a real
// place to point at), but its parent must be an object.
func Resolve(doc any, path string) error {
	if path == "" {
		return fmt.Errorf("empty path")
	}
	cur, rest := doc, path
	for rest != "" {
		m := segment.FindStringSubmatch(rest)
		if m == nil {
			return fmt.Errorf("%q: cannot parse at %q", path, rest)
		}
		rest = rest[len(m[0]):]
		if m[2] != "" {
			list, ok := cur.([]any)
			if !ok {
				return fmt.Errorf("%q: %s indexes a %T, not a list", path, m[0], cur)
			}
			i, _ := strconv.Atoi(m[2])
			if i >= len(list) {
				return fmt.Errorf("%q: index %d out of a list of %d", path, i, len(list))
			}
			cur = list[i]
			continue
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return fmt.Errorf("%q: field %s of a %T, not an object", path, m[1], cur)
		}
		v, ok := obj[m[1]]
		if !ok && rest != "" {
			return fmt.Errorf("%q: no field %s (and more path follows)", path, m[1])
		}
		cur = v
	}
	return nil
}
