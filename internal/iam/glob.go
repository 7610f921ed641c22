package iam

import (
	"strings"
	"unicode/utf8"
)

// patternKind says how a pattern is matched, so that the common shapes ("*", a
// literal, a literal followed by one trailing "*") skip the general matcher.
type patternKind uint8

const (
	// matchAll is the pattern "*": it matches every string, including "" and "*".
	matchAll patternKind = iota
	// matchExact is a pattern without wildcards.
	matchExact
	// matchPrefix is a literal followed by a single trailing "*" ("iot:Describe*").
	matchPrefix
	// matchGlob is any other pattern with "*" or "?".
	matchGlob
)

// pattern is a compiled policy pattern: an Action, Resource or StringLike value.
// For matchPrefix, s holds the literal without its trailing "*".
type pattern struct {
	kind patternKind
	s    string
}

// compileGlob classifies s, where "*" matches any run of characters (possibly
// empty) and "?" matches exactly one character, as in the IAM User Guide pages
// "IAM JSON policy elements: Action" and "IAM JSON policy elements: Resource".
// There is no escape character: IAM has none.
func compileGlob(s string) pattern {
	switch i := strings.IndexAny(s, "*?"); {
	case s == "*":
		return pattern{kind: matchAll}
	case i < 0:
		return pattern{kind: matchExact, s: s}
	case i == len(s)-1 && s[i] == '*':
		return pattern{kind: matchPrefix, s: s[:i]}
	default:
		return pattern{kind: matchGlob, s: s}
	}
}

// compileLiteral makes a pattern that matches only s itself, wildcards included:
// StringEquals compares values literally.
func compileLiteral(s string) pattern {
	return pattern{kind: matchExact, s: s}
}

// match reports whether p matches all of s. With fold, ASCII letters compare
// case-insensitively; the pattern must then already be lower case (Parse lowers
// action patterns once, so matching never allocates).
func (p *pattern) match(s string, fold bool) bool {
	switch p.kind {
	case matchAll:
		return true
	case matchExact:
		if fold {
			return equalFoldASCII(p.s, s)
		}
		return p.s == s
	case matchPrefix:
		if len(s) < len(p.s) {
			return false
		}
		if fold {
			return equalFoldASCII(p.s, s[:len(p.s)])
		}
		return s[:len(p.s)] == p.s
	default:
		return glob(p.s, s, fold)
	}
}

// glob reports whether pattern matches all of s. It walks both strings once and,
// on a mismatch, backtracks only to the most recent "*", letting it absorb one
// more character. Remembering only the last star is enough: an earlier star can
// never need to absorb more, because the later star can take up any slack
// instead. That keeps the cost at O(len(pattern)·len(s)) in the worst case and
// linear for the patterns policies use, with no allocation and no recursion.
//
// "?" and a star's absorption step by whole UTF-8 sequences, so "?" matches one
// character, not one byte. Literal characters compare byte by byte, which for
// valid UTF-8 is the same as comparing characters.
func glob(pattern, s string, fold bool) bool {
	pi, si := 0, 0
	star, resume := -1, 0 // index of the last '*' in pattern, and where in s it last resumed
	for si < len(s) {
		if pi < len(pattern) {
			switch c := pattern[pi]; {
			case c == '*':
				star, resume = pi, si
				pi++
				continue
			case c == '?':
				_, n := utf8.DecodeRuneInString(s[si:])
				pi++
				si += n
				continue
			case c == s[si] || fold && c == lowerASCII(s[si]):
				pi++
				si++
				continue
			}
		}
		if star < 0 {
			return false
		}
		// Let the last star absorb one more character and retry from there.
		_, n := utf8.DecodeRuneInString(s[resume:])
		resume += n
		pi, si = star+1, resume
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}

// lowerASCII lowers an ASCII upper-case letter and leaves every other byte alone.
func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// equalFoldASCII reports whether s equals lower after lowering ASCII letters of s;
// lower must already be lower case.
func equalFoldASCII(lower, s string) bool {
	if len(lower) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower[i] != lowerASCII(s[i]) {
			return false
		}
	}
	return true
}

// toLowerASCII lowers the ASCII letters of s. Action names are ASCII; folding
// only ASCII keeps Parse and matching in exact agreement.
func toLowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerASCII(b[j])
			}
			return string(b)
		}
	}
	return s
}
