package httpapi

import (
	"encoding/json"
	"testing"
)

// TestPlainString checks which strings take the fast path and that each gives what
// encoding/json gives; the rest are left to encoding/json.
func TestPlainString(t *testing.T) {
	pem := "-----BEGIN CERTIFICATE-----\nMIIB\r\n+/=\t-----END CERTIFICATE-----\n"
	raw, err := json.Marshal(pem)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		raw  string
		fast bool
	}{
		{string(raw), true},
		{`""`, true},
		{`"a\/b\"c\\d\b\f"`, true},
		{`"\u0041"`, false},    // \u escapes
		{`"é"`, false},         // non-ASCII
		{"\"a\x01\"", false},   // a control byte (invalid JSON)
		{`"abc\"`, false},      // the closing quote escaped (invalid JSON)
		{`"a"b"`, false},       // a quote inside
		{`"\x"`, false},        // an unknown escape (invalid JSON)
		{`null`, false},        // not a string
		{`"`, false},           // too short
		{`123`, false},         // a number
		{`"a\u0000b"`, false},  // NUL, which encoding/json decodes and the server refuses
		{`"ok" `, false},       // trailing space (never in a RawMessage from the decoder)
		{"\"\x7f~ !\"", true},  // DEL and the printable edges
		{`"\n\r\t\\\/"`, true}, // only escapes
	} {
		got, ok := plainString(json.RawMessage(tc.raw))
		if ok != tc.fast {
			t.Errorf("plainString(%q) fast path %v, want %v", tc.raw, ok, tc.fast)
		}
		if !ok {
			continue
		}
		var want string
		if err := json.Unmarshal([]byte(tc.raw), &want); err != nil || got != want {
			t.Errorf("plainString(%q) = %q; encoding/json gives %q, %v", tc.raw, got, want, err)
		}
	}
	o := jsonObject{"certificatePem": raw}
	if got, err := o.stringMember("certificatePem"); err != nil || got != pem {
		t.Errorf("stringMember = %q, %v; want the PEM", got, err)
	}
}

// FuzzPlainString checks that whatever plainString decodes, encoding/json decodes to the
// same string.
func FuzzPlainString(f *testing.F) {
	for _, s := range []string{`"abc"`, `"a\nb"`, `"\"\\\/"`, `"\u00e9"`, `"abc\"`, `""`, `"a\tb\rc"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, ok := plainString(json.RawMessage(raw))
		if !ok {
			return
		}
		var want string
		if err := json.Unmarshal([]byte(raw), &want); err != nil {
			t.Fatalf("plainString(%q) = %q, but encoding/json refuses it: %v", raw, got, err)
		}
		if got != want {
			t.Fatalf("plainString(%q) = %q; encoding/json gives %q", raw, got, want)
		}
	})
}
