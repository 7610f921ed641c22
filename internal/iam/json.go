package iam

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// maxJSONDepth bounds nesting while decoding. The deepest valid document is
// Statement list -> statement -> Condition -> operator -> key -> value list,
// six levels below the top; anything deeper is malformed, and stopping early
// keeps hostile input from costing stack.
const maxJSONDepth = 8

// jsonKind is the JSON type of a decoded value.
type jsonKind uint8

const (
	jsonString jsonKind = iota
	jsonArray
	jsonObject
	jsonNumber
	jsonBool
	jsonNull
)

// String names the kind as a policy author would, for error messages.
func (k jsonKind) String() string {
	switch k {
	case jsonString:
		return "a string"
	case jsonArray:
		return "a list"
	case jsonObject:
		return "an object"
	case jsonNumber:
		return "a number"
	case jsonBool:
		return "a boolean"
	default:
		return "null"
	}
}

// jsonValue is a decoded JSON value. Objects keep their members in document
// order so that error messages point at the first offending key.
// Numbers keep their text in str; booleans and null keep nothing, since no
// policy element accepts them.
type jsonValue struct {
	kind jsonKind
	str  string
	arr  []jsonValue
	obj  []jsonMember
}

// jsonMember is one key of an object.
type jsonMember struct {
	key string
	val jsonValue
}

// decodeJSON decodes exactly one JSON value from doc. Unlike encoding/json's
// Unmarshal into a map, it rejects duplicate keys: two "Effect" keys in one
// statement would otherwise be resolved silently (last one wins), and a policy
// whose meaning depends on which parser reads it is a security hole.
//
// Structural refusals (duplicate keys, nesting, trailing data) are returned as
// *ParseError; JSON syntax errors are returned as the decoder reports them.
func decodeJSON(doc string) (jsonValue, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return jsonValue{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return jsonValue{}, parseErr("unexpected data after the end of the policy document")
	}
	return v, nil
}

// decodeValue reads the next value from dec.
func decodeValue(dec *json.Decoder, depth int) (jsonValue, error) {
	if depth > maxJSONDepth {
		return jsonValue{}, parseErr("the policy document is nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return jsonValue{}, err
	}
	switch t := tok.(type) {
	case string:
		return jsonValue{kind: jsonString, str: t}, nil
	case json.Number:
		return jsonValue{kind: jsonNumber, str: t.String()}, nil
	case bool:
		return jsonValue{kind: jsonBool}, nil
	case nil:
		return jsonValue{kind: jsonNull}, nil
	case json.Delim:
		switch t {
		case '[':
			v := jsonValue{kind: jsonArray, arr: []jsonValue{}}
			for dec.More() {
				e, err := decodeValue(dec, depth+1)
				if err != nil {
					return jsonValue{}, err
				}
				v.arr = append(v.arr, e)
			}
			_, err := dec.Token() // ']'
			return v, err
		case '{':
			v := jsonValue{kind: jsonObject, obj: []jsonMember{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return jsonValue{}, err
				}
				key, _ := kt.(string) // the decoder only yields strings in key position
				for _, m := range v.obj {
					if m.key == key {
						return jsonValue{}, parseErr("the policy document has the key ", quote(key), " twice in one object")
					}
				}
				e, err := decodeValue(dec, depth+1)
				if err != nil {
					return jsonValue{}, err
				}
				v.obj = append(v.obj, jsonMember{key: key, val: e})
			}
			_, err := dec.Token() // '}'
			return v, err
		}
	}
	// Unreachable: a Decoder yields only the token types handled above, and never
	// a closing delimiter where a value is expected.
	return jsonValue{}, errors.New("malformed JSON")
}

// quote renders a policy string for an error message, bounded so that a huge
// key or value cannot balloon the response.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		s = s[:cut] + "..."
	}
	return strconv.Quote(s)
}
