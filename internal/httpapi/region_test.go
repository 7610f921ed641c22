package httpapi

import (
	"regexp"
	"testing"
)

// regionNamePattern is the shape isRegionName matches by hand, as a regular expression.
var regionNamePattern = regexp.MustCompile(`^[a-z]{2,}(-[a-z]+)+-[0-9]{1,3}$`)

func regionSamples() []string {
	return []string{
		"", "us-east-1", "us-gov-west-1", "cn-north-1", "eusc-de-east-1", "ap-southeast-10",
		"us-east-1000", "us-east-", "us-east", "us-1", "u-east-1", "-us-east-1", "us--east-1",
		"us-east--1", "US-east-1", "us-East-1", "us-east-1a", "us-east-a1", "us_east-1",
		"us-east-1-", "us-east-01", "us-ea st-1", "us-east-１", "ab-c-0", "ab-c-999", "ab-c-d-9",
		"abc", "-", "--", "a-b-1", "ab-1-1", "ab-c-1\n", "ab-c-1\x00", "é-c-1",
	}
}

// TestIsRegionName holds the hand-written matcher equal to the region pattern.
func TestIsRegionName(t *testing.T) {
	accepted := 0
	for _, s := range regionSamples() {
		got, want := isRegionName(s), regionNamePattern.MatchString(s)
		if got != want {
			t.Errorf("isRegionName(%q) = %v, the pattern says %v", s, got, want)
		}
		if got {
			accepted++
		}
	}
	if accepted < 5 {
		t.Errorf("only %d samples are region names: the samples no longer test acceptance", accepted)
	}
}

// FuzzIsRegionName looks for any input on which isRegionName and the pattern disagree.
func FuzzIsRegionName(f *testing.F) {
	for _, s := range regionSamples() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isRegionName(s), regionNamePattern.MatchString(s); got != want {
			t.Errorf("isRegionName(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
