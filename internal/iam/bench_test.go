package iam

import "testing"

// tenStatements is a realistic policy of ten statements in which the statement
// that allows typicalRequest comes last, so Evaluate must look at all of them.
var tenStatements = policyDoc(
	`{"Sid":"ReadThings","Effect":"Allow","Action":["iot:DescribeThing","iot:ListThings","iot:ListThingPrincipals"],"Resource":"*"}`,
	`{"Sid":"ManagePolicies","Effect":"Allow","Action":"iot:*Policy*","Resource":"arn:aws:iot:us-east-1:111122223333:policy/app-*"}`,
	`{"Sid":"NoDeleteProd","Effect":"Deny","Action":"iot:Delete*","Resource":"arn:aws:iot:*:111122223333:thing/prod-*"}`,
	`{"Sid":"EuOnly","Effect":"Allow","Action":"iot:Create*","Resource":"*","Condition":{"StringLike":{"aws:RequestedRegion":"eu-*"}}}`,
	`{"Sid":"Tags","Effect":"Allow","Action":["iot:TagResource","iot:UntagResource","iot:ListTagsForResource"],"Resource":"*"}`,
	`{"Sid":"NotSecret","Effect":"Allow","Action":"iot:Get*","NotResource":"arn:aws:iot:us-east-1:111122223333:policy/secret"}`,
	`{"Sid":"Endpoint","Effect":"Allow","Action":"iot:DescribeEndpoint","Resource":"*"}`,
	`{"Sid":"OnlyAlice","Effect":"Deny","Action":"iot:Transfer*","Resource":"*","Condition":{"StringNotEquals":{"aws:username":"alice"}}}`,
	`{"Sid":"CA","Effect":"Allow","Action":"iot:?*CACertificate*","Resource":"arn:aws:iot:us-east-1:111122223333:cacert/*"}`,
	`{"Sid":"Certs","Effect":"Allow","Action":["iot:DescribeCertificate","iot:UpdateCertificate"],"Resource":"arn:aws:iot:us-east-1:111122223333:cert/*"}`,
)

// typicalRequest is a DescribeCertificate call with a full condition context.
func typicalRequest() Request {
	return Request{
		Action:   "iot:DescribeCertificate",
		Resource: "arn:aws:iot:us-east-1:111122223333:cert/7a4ab9e7b6c2d1f0e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6",
		Context: map[string]string{
			KeyRequestedRegion:  "us-east-1",
			KeyUsername:         "alice",
			KeyPrincipalAccount: "111122223333",
		},
	}
}

func BenchmarkEvaluate10Statements(b *testing.B) {
	ps := []*Policy{MustParse(b, tenStatements)}
	r := typicalRequest()
	if Evaluate(ps, r) != Allow {
		b.Fatal("the benchmark request is not allowed")
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(ps, r)
	}
}

// BenchmarkEvaluateRoot is the baseline: an administrator's single statement
// allowing everything.
func BenchmarkEvaluateRoot(b *testing.B) {
	ps := []*Policy{MustParse(b, policyDoc(`{"Effect":"Allow","Action":"*","Resource":"*"}`))}
	r := typicalRequest()
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(ps, r)
	}
}

func BenchmarkParse10Statements(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(tenStatements); err != nil {
			b.Fatal(err)
		}
	}
}
