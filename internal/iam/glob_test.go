package iam

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		fold, want bool
	}{
		{"", "", false, true},
		{"", "a", false, false},
		{"*", "", false, true},
		{"*", "*", false, true},
		{"**", "abc", false, true},
		{"a*", "a", false, true},
		{"a*", "ba", false, false},
		{"*a", "bba", false, true},
		{"*a", "bab", false, false},
		{"a*b*c", "aXbYbZc", false, true},
		{"a*b*c", "aXbYbZ", false, false},
		{"a*bc", "abcbcbc", false, true},
		{"*ab*ab", "xabyabab", false, true},
		{"?", "", false, false},
		{"?", "a", false, true},
		{"?", "ab", false, false},
		{"?", "é", false, true},
		{"??", "é", false, false},
		{"*?", "é", false, true},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"*?c", "c", false, false},
		{"a*?", "a", false, false},
		{"abc", "ABC", false, false},
		{"abc", "ABC", true, true},
		{"a*c", "AbC", true, true},
		{"iot:describe*", "IOT:DescribeThing", true, true},
		{"iot:describe*", "IOT:ListThings", true, false},
		{"arn:aws:iot:*:111122223333:cert/*", "arn:aws:iot:us-east-1:111122223333:cert/abc", false, true},
		{"arn:aws:iot:*:111122223333:cert/*", "arn:aws:iot:us-east-1:444455556666:cert/abc", false, false},
		{"*" + strings.Repeat("a*", 20) + "b", strings.Repeat("a", 200), false, false},
	}
	for _, tc := range tests {
		if got := glob(tc.pattern, tc.s, tc.fold); got != tc.want {
			t.Errorf("glob(%q, %q, %v) = %v, want %v", tc.pattern, tc.s, tc.fold, got, tc.want)
		}
		p := compileGlob(tc.pattern)
		if got := p.match(tc.s, tc.fold); got != tc.want {
			t.Errorf("compileGlob(%q).match(%q, %v) = %v, want %v", tc.pattern, tc.s, tc.fold, got, tc.want)
		}
	}
}

func TestCompileGlobKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		kind patternKind
	}{
		{"*", matchAll},
		{"iot:DescribeCertificate", matchExact},
		{"", matchExact},
		{"iot:Describe*", matchPrefix},
		{"**", matchGlob},
		{"iot:?escribe", matchGlob},
		{"*Certificate", matchGlob},
	}
	for _, tc := range tests {
		if got := compileGlob(tc.s).kind; got != tc.kind {
			t.Errorf("compileGlob(%q).kind = %d, want %d", tc.s, got, tc.kind)
		}
	}
	// A literal keeps its wildcards as plain characters.
	if p := compileLiteral("eu-*"); p.match("eu-west-1", false) || !p.match("eu-*", false) {
		t.Error(`compileLiteral("eu-*") globbed`)
	}
}

// referenceGlob is an independent matcher built on regexp, for differential
// testing: "*" becomes ".*" and "?" becomes "." over the whole string.
func referenceGlob(pattern, s string) bool {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String()).MatchString(s)
}

// asciiLower lowers ASCII letters only, as matching does, byte by byte so that
// invalid UTF-8 survives unchanged.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// FuzzGlob checks the matcher against referenceGlob on valid UTF-8, checks that
// folding agrees with lowering first, and that the compiled fast paths agree
// with the general matcher.
func FuzzGlob(f *testing.F) {
	f.Add("arn:aws:iot:*:111122223333:cert/*", "arn:aws:iot:us-east-1:111122223333:cert/abc")
	f.Add("iot:?escribe*", "IOT:DescribeThing")
	f.Add("a*b*c*d", "aabbccdd")
	f.Add("*?*?", "é")
	f.Add("**?*", "")
	f.Add("\xff*", "\xff\xfe")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 256 || len(s) > 1024 {
			return
		}
		got := glob(pattern, s, false)
		p := compileGlob(pattern)
		if fast := p.match(s, false); fast != got {
			t.Fatalf("compileGlob(%q).match(%q) = %v, glob = %v", pattern, s, fast, got)
		}
		lp := asciiLower(pattern)
		folded := glob(lp, s, true)
		if want := glob(lp, asciiLower(s), false); folded != want {
			t.Fatalf("glob(%q, %q, fold) = %v, on lowered input %v", lp, s, folded, want)
		}
		lc := compileGlob(lp)
		if fast := lc.match(s, true); fast != folded {
			t.Fatalf("compileGlob(%q).match(%q, fold) = %v, glob = %v", lp, s, fast, folded)
		}
		if utf8.ValidString(pattern) && utf8.ValidString(s) {
			if want := referenceGlob(pattern, s); got != want {
				t.Fatalf("glob(%q, %q) = %v, reference %v", pattern, s, got, want)
			}
		}
	})
}
