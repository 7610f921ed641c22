package iam

import (
	"errors"
	"testing"
)

// FuzzParse checks that no document makes Parse panic, that every refusal is a
// *ParseError, and that whatever Parse accepts can be evaluated without panicking.
func FuzzParse(f *testing.F) {
	f.Add(tenStatements)
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:*","Resource":"*"}}`)
	f.Add(`{"Statement":[{"Effect":"Deny","NotAction":["iot:Describe*"],"NotResource":"arn:aws:iot:*:*:cert/?"}]}`)
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*",` +
		`"Condition":{"StringNotLikeIfExists":{"aws:RequestedRegion":["eu-*",""]}}}}`)
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Principal":"*"}}`)
	f.Add(`{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":1}}}}}}}}}}`)
	f.Add(`{"Version":"2012-10-17","Version":"2008-10-17"}`)
	f.Add("{\"Statement\":\"\xff\"}")
	f.Add(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`)
	f.Add(``)
	requests := []Request{
		typicalRequest(),
		{Action: "iot:ListCertificates", Resource: "*"},
		{Action: "", Resource: "", Context: map[string]string{KeyUsername: ""}},
		{Action: "IOT:DELETECERTIFICATE", Resource: "arn:aws:iot:eu-west-1:444455556666:cert/é"},
	}
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := Parse(doc)
		if err != nil {
			var pe *ParseError
			if p != nil || !errors.As(err, &pe) || pe.Msg == "" {
				t.Fatalf("Parse(%q) = %v, %v; want nil and a *ParseError with a message", doc, p, err)
			}
			return
		}
		if p == nil || len(p.statements) == 0 {
			t.Fatalf("Parse(%q) accepted a policy without statements", doc)
		}
		for _, r := range requests {
			switch d := Evaluate([]*Policy{p}, r); d {
			case Allow, ImplicitDeny, ExplicitDeny:
			default:
				t.Fatalf("Evaluate returned %d", int(d))
			}
		}
	})
}
