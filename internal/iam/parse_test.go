package iam

import (
	"errors"
	"strings"
	"testing"
)

// stmt wraps one statement in a valid 2012-10-17 policy.
func stmt(s string) string { return policyDoc(s) }

// sized returns a valid policy whose size, not counting white space, is exactly
// n characters (n must be at least the size of the skeleton); with pad, white
// space around it makes the raw document several times longer.
func sized(n int, pad bool) string {
	const head = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:us-east-1:111122223333:thing/`
	const tail = `"}]}`
	fill := strings.Repeat("x", n-len(head)-len(tail))
	if pad {
		return strings.Repeat(" \t", 4*n) + head + fill + tail + strings.Repeat("\r\n", 4*n)
	}
	return head + fill + tail
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	const allow = `"Effect":"Allow","Action":"iot:*","Resource":"*"`
	cond := func(c string) string {
		return stmt(`{` + allow + `,"Condition":` + c + `}`)
	}
	tests := []struct {
		name string
		doc  string
	}{
		// Size, encoding, JSON.
		{"empty document", ""},
		{"white space only", "  \n\t "},
		{"malformed JSON", `{"Version":"2012-10-17","Statement":[`},
		{"missing comma", `{"Version":"2012-10-17" "Statement":[]}`},
		{"not an object: list", `[` + stmt(`{`+allow+`}`) + `]`},
		{"not an object: string", `"policy"`},
		{"trailing data", stmt(`{`+allow+`}`) + `{}`},
		{"duplicate top-level key", `{"Version":"2012-10-17","Version":"2012-10-17","Statement":{` + allow + `}}`},
		{"duplicate Effect", stmt(`{"Effect":"Deny",` + allow + `}`)},
		{"nested too deeply", cond(`{"StringEquals":{"aws:username":[[[[[[["x"]]]]]]]}}`)},
		{"invalid UTF-8", stmt(`{` + allow + `,"Sid":"` + "\xff" + `"}`)},
		{"character above U+00FF", stmt(`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:us-east-1:111122223333:thing/Ā"}`)},
		{"control character", stmt(`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:us-east-1:111122223333:thing/` + "\x01" + `"}`)},
		{"over the size limit", sized(MaxPolicySize+1, false)},
		{"over the size limit with white space", sized(MaxPolicySize+1, true)},
		{"raw document over the length limit", stmt(`{`+allow+`}`) + strings.Repeat(" ", maxDocumentLength)},

		// Top level.
		{"Version unknown", `{"Version":"2012-10-18","Statement":{` + allow + `}}`},
		{"Version not a string", `{"Version":2012,"Statement":{` + allow + `}}`},
		{"Id not a string", `{"Version":"2012-10-17","Id":7,"Statement":{` + allow + `}}`},
		{"unknown top-level element", `{"Version":"2012-10-17","Statements":[{` + allow + `}]}`},
		{"lower-case element name", `{"version":"2012-10-17","Statement":{` + allow + `}}`},
		{"missing Statement", `{"Version":"2012-10-17"}`},
		{"empty Statement list", `{"Version":"2012-10-17","Statement":[]}`},
		{"Statement a string", `{"Version":"2012-10-17","Statement":"Allow"}`},
		{"Statement list of strings", `{"Version":"2012-10-17","Statement":["Allow"]}`},
		{"Statement null", `{"Version":"2012-10-17","Statement":null}`},

		// Statement elements.
		{"Principal", stmt(`{` + allow + `,"Principal":{"AWS":"arn:aws:iam::111122223333:root"}}`)},
		{"NotPrincipal", stmt(`{` + allow + `,"NotPrincipal":"*"}`)},
		{"unknown statement element", stmt(`{` + allow + `,"Effects":"Allow"}`)},
		{"missing Effect", stmt(`{"Action":"iot:*","Resource":"*"}`)},
		{"Effect lower case", stmt(`{"Effect":"allow","Action":"iot:*","Resource":"*"}`)},
		{"Effect not a string", stmt(`{"Effect":true,"Action":"iot:*","Resource":"*"}`)},
		{"Action and NotAction", stmt(`{` + allow + `,"NotAction":"iot:Delete*"}`)},
		{"neither Action nor NotAction", stmt(`{"Effect":"Allow","Resource":"*"}`)},
		{"Resource and NotResource", stmt(`{` + allow + `,"NotResource":"*"}`)},
		{"neither Resource nor NotResource", stmt(`{"Effect":"Allow","Action":"iot:*"}`)},
		{"empty Action list", stmt(`{"Effect":"Allow","Action":[],"Resource":"*"}`)},
		{"empty NotAction list", stmt(`{"Effect":"Allow","NotAction":[],"Resource":"*"}`)},
		{"empty Resource list", stmt(`{"Effect":"Allow","Action":"iot:*","Resource":[]}`)},
		{"empty NotResource list", stmt(`{"Effect":"Allow","Action":"iot:*","NotResource":[]}`)},
		{"empty Action string", stmt(`{"Effect":"Allow","Action":"","Resource":"*"}`)},
		{"empty string in Resource list", stmt(`{"Effect":"Allow","Action":"iot:*","Resource":["*",""]}`)},
		{"Action a number", stmt(`{"Effect":"Allow","Action":1,"Resource":"*"}`)},
		{"Action list with a number", stmt(`{"Effect":"Allow","Action":["iot:*",1],"Resource":"*"}`)},
		{"Action an object", stmt(`{"Effect":"Allow","Action":{"iot":"*"},"Resource":"*"}`)},
		{"action without a service", stmt(`{"Effect":"Allow","Action":"DescribeCertificate","Resource":"*"}`)},
		{"action with an empty service", stmt(`{"Effect":"Allow","Action":":DescribeCertificate","Resource":"*"}`)},
		{"action with an empty name", stmt(`{"Effect":"Allow","Action":"iot:","Resource":"*"}`)},
		{"action with a space", stmt(`{"Effect":"Allow","Action":"iot: DescribeCertificate","Resource":"*"}`)},
		{"resource not an ARN", stmt(`{"Effect":"Allow","Action":"iot:*","Resource":"cert/abc"}`)},
		{"resource ARN too short", stmt(`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:*"}`)},
		{"Sid with a hyphen", stmt(`{"Sid":"my-sid",` + allow + `}`)},
		{"Sid not a string", stmt(`{"Sid":1,` + allow + `}`)},
		{"duplicate Sid", policyDoc(`{"Sid":"A",`+allow+`}`, `{"Sid":"A",`+allow+`}`)},
		{"policy variable in Resource", stmt(`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:*:*:thing/${aws:username}"}`)},
		{"policy variable in NotResource", stmt(`{"Effect":"Deny","Action":"iot:*","NotResource":"arn:aws:iot:*:*:thing/${aws:username}"}`)},

		// Conditions.
		{"Condition not an object", cond(`"StringEquals"`)},
		{"Condition empty", cond(`{}`)},
		{"unsupported operator", cond(`{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`)},
		{"unsupported IgnoreCase operator", cond(`{"StringEqualsIgnoreCase":{"aws:username":"alice"}}`)},
		{"unsupported set operator", cond(`{"ForAnyValue:StringEquals":{"aws:username":"alice"}}`)},
		{"unsupported Null operator", cond(`{"Null":{"aws:username":"true"}}`)},
		{"operator in the wrong case", cond(`{"stringequals":{"aws:username":"alice"}}`)},
		{"IfExists alone", cond(`{"IfExists":{"aws:username":"alice"}}`)},
		{"supported operator after an unsupported one", cond(`{"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}}`)},
		{"unsupported key", cond(`{"StringEquals":{"aws:SourceIp":"10.0.0.1"}}`)},
		{"unsupported service key", cond(`{"StringEquals":{"iot:thingArn":"arn:aws:iot:us-east-1:111122223333:thing/lamp"}}`)},
		{"unsupported key beside a supported one", cond(`{"StringEquals":{"aws:username":"alice","aws:userid":"AIDA"}}`)},
		{"operator not an object", cond(`{"StringEquals":"alice"}`)},
		{"operator empty", cond(`{"StringEquals":{}}`)},
		{"value a number", cond(`{"StringEquals":{"aws:PrincipalAccount":111122223333}}`)},
		{"value a boolean", cond(`{"StringEquals":{"aws:username":true}}`)},
		{"value null", cond(`{"StringEquals":{"aws:username":null}}`)},
		{"empty value list", cond(`{"StringEquals":{"aws:username":[]}}`)},
		{"value list with a number", cond(`{"StringEquals":{"aws:username":["alice",1]}}`)},
		{"duplicate condition key", cond(`{"StringEquals":{"aws:username":"alice","aws:username":"bob"}}`)},
		{"policy variable in a condition value", cond(`{"StringEquals":{"aws:username":"${aws:username}"}}`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Parse(tc.doc)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, %v; want a *ParseError", p, err)
			}
			if p != nil {
				t.Errorf("Parse returned a policy with its error")
			}
			t.Log(pe.Msg)
			if pe.Msg == "" || pe.Error() != pe.Msg {
				t.Errorf("ParseError has message %q, Error() %q", pe.Msg, pe.Error())
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
	}{
		{"minimal", stmt(`{"Effect":"Allow","Action":"iot:*","Resource":"*"}`)},
		{"no Version defaults to 2008-10-17", `{"Statement":{"Effect":"Allow","Action":"iot:*","Resource":"*"}}`},
		{"version 2008-10-17", `{"Version":"2008-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`},
		{"Id", `{"Version":"2012-10-17","Id":"any text","Statement":{"Effect":"Allow","Action":"iot:*","Resource":"*"}}`},
		{"elements in any order", `{"Statement":[{"Resource":"*","Action":"iot:*","Effect":"Allow"}],"Version":"2012-10-17"}`},
		{"empty Sid", stmt(`{"Sid":"","Effect":"Allow","Action":"iot:*","Resource":"*"}`)},
		{"distinct Sids", policyDoc(`{"Sid":"A1","Effect":"Allow","Action":"iot:*","Resource":"*"}`,
			`{"Sid":"a1","Effect":"Deny","Action":"iot:Delete*","Resource":"*"}`)},
		{"wildcards in the service prefix", stmt(`{"Effect":"Allow","Action":"i?t:*","Resource":"*"}`)},
		{"all supported operators", stmt(`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{` +
			`"StringEquals":{"aws:RequestedRegion":"us-east-1"},"StringNotEquals":{"aws:username":"x"},` +
			`"StringLike":{"aws:PrincipalAccount":"1111*"},"StringNotLike":{"aws:username":"y*"},` +
			`"StringEqualsIfExists":{"aws:username":"alice"},"StringNotEqualsIfExists":{"aws:username":"z"},` +
			`"StringLikeIfExists":{"aws:username":"a*"},"StringNotLikeIfExists":{"aws:username":"b*"}}}`)},
		{"condition key in any case", stmt(`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"AWS:REQUESTEDREGION":"us-east-1"}}}`)},
		{"empty condition value", stmt(`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"aws:username":""}}}`)},
		{"${ taken literally in version 2008-10-17", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:*:*:thing/${x}"}}`},
		{"Latin-1 character", stmt(`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:us-east-1:111122223333:thing/é"}`)},
		{"exactly the size limit", sized(MaxPolicySize, false)},
		{"the size limit padded with white space", sized(MaxPolicySize, true)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Parse(tc.doc); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

// TestParseVersionDefault checks that a document without Version is version
// 2008-10-17, where "${" is literal and so may be matched.
func TestParseVersionDefault(t *testing.T) {
	t.Parallel()
	p := MustParse(t, `{"Statement":{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:*:*:thing/${x}"}}`)
	if d := Evaluate([]*Policy{p}, Request{Action: "iot:DescribeThing", Resource: "arn:aws:iot:us-east-1:111122223333:thing/${x}"}); d != Allow {
		t.Errorf("Evaluate = %v, want Allow", d)
	}
}
