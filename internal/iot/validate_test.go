package iot

import (
	"regexp"
	"strings"
	"testing"
)

// The patterns of the AWS IoT model that validate.go matches by hand, as the model writes
// them (full-match).
var (
	modelCertificateIDPattern = regexp.MustCompile(`^(0x)?[a-fA-F0-9]+$`)
	modelAccountIDPattern     = regexp.MustCompile(`^[0-9]+$`)
)

func patternSamples() []string {
	hex := "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef"
	return []string{
		"", "0", "x", "0x", "0x0", "0X0", "00x", "0x0x", "0xg", "g", "12", "123456789012",
		"12345678901a", " 123", "123 ", "１２３", "٣", "0xＡ", "aF", "AF09", "ag",
		hex, "0x" + hex[2:], strings.ToUpper(hex), hex[:63] + "g", hex[:63] + "\x00",
		"/", ":", "@", "`", "G", "[", "\xff", "0x\xff", "é",
	}
}

// TestHandMatchedPatterns holds the hand-written matchers equal to the model's patterns.
func TestHandMatchedPatterns(t *testing.T) {
	for _, s := range patternSamples() {
		if got, want := matchesCertificateIDPattern(s), modelCertificateIDPattern.MatchString(s); got != want {
			t.Errorf("matchesCertificateIDPattern(%q) = %v, the model's pattern says %v", s, got, want)
		}
		if got, want := matchesAccountIDPattern(s), modelAccountIDPattern.MatchString(s); got != want {
			t.Errorf("matchesAccountIDPattern(%q) = %v, the model's pattern says %v", s, got, want)
		}
	}
	// Every single byte, alone and after "0x".
	for b := 0; b < 256; b++ {
		for _, s := range []string{string([]byte{byte(b)}), "0x" + string([]byte{byte(b)}), "7" + string([]byte{byte(b)})} {
			if matchesCertificateIDPattern(s) != modelCertificateIDPattern.MatchString(s) {
				t.Errorf("matchesCertificateIDPattern(%q) differs from the model's pattern", s)
			}
			if matchesAccountIDPattern(s) != modelAccountIDPattern.MatchString(s) {
				t.Errorf("matchesAccountIDPattern(%q) differs from the model's pattern", s)
			}
		}
	}
}

// FuzzHandMatchedPatterns looks for any input on which a hand-written matcher and the
// model's pattern disagree.
func FuzzHandMatchedPatterns(f *testing.F) {
	for _, s := range patternSamples() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := matchesCertificateIDPattern(s), modelCertificateIDPattern.MatchString(s); got != want {
			t.Errorf("matchesCertificateIDPattern(%q) = %v, the model's pattern says %v", s, got, want)
		}
		if got, want := matchesAccountIDPattern(s), modelAccountIDPattern.MatchString(s); got != want {
			t.Errorf("matchesAccountIDPattern(%q) = %v, the model's pattern says %v", s, got, want)
		}
	})
}
