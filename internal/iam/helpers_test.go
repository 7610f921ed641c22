package iam

import (
	"strings"
	"testing"
)

// Accounts, region and ARNs shared by the tests.
const (
	testAccount = "111122223333"
	otherAcct   = "444455556666"
	testRegion  = "us-east-1"
	testUser    = "arn:aws:iam::111122223333:user/alice"
	certABC     = "arn:aws:iot:us-east-1:111122223333:cert/abc"
	certABCD    = "arn:aws:iot:us-east-1:111122223333:cert/abcd"
	certSecret  = "arn:aws:iot:us-east-1:111122223333:cert/secret"
	certOther   = "arn:aws:iot:us-east-1:444455556666:cert/abc"
	thingLamp   = "arn:aws:iot:us-east-1:111122223333:thing/lamp"
)

// MustParse parses doc or fails the test.
func MustParse(tb testing.TB, doc string) *Policy {
	tb.Helper()
	p, err := Parse(doc)
	if err != nil {
		tb.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

// policyDoc wraps statements (each a JSON object) in a version 2012-10-17 policy.
func policyDoc(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}
