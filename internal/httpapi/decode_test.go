package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

func TestDecodingErrors(t *testing.T) {
	h := newEmulatorHandler(t)
	tests := []struct {
		name    string
		method  string
		target  string
		body    string
		mention string // the message must name this member
	}{
		{"bad boolean", "POST", "/keys-and-certificate?setAsActive=yes", "", "setAsActive"},
		{"empty boolean", "PATCH", "/accept-certificate-transfer/" + testCertID + "?setAsActive=", "", "setAsActive"},
		{"bad boolean forceDelete", "DELETE", "/certificates/" + testCertID + "?forceDelete=1", "", "forceDelete"},
		{"bad optional boolean", "POST", "/certificate/register?setAsActive=maybe", `{"certificatePem":"x"}`, "setAsActive"},
		{"bad isAscendingOrder", "GET", "/certificates?isAscendingOrder=TRUE1", "", "isAscendingOrder"},
		{"bad integer", "GET", "/certificates?pageSize=ten", "", "pageSize"},
		{"fractional integer", "GET", "/certificates?pageSize=2.5", "", "pageSize"},
		{"integer overflow", "GET", "/things/t/principals?maxResults=99999999999999999999", "", "maxResults"},
		{"bad long", "DELETE", "/things/t?expectedVersion=v1", "", "expectedVersion"},
		{"bad query encoding", "GET", "/certificates?marker=%zz", "", ""},
		{"body is an array", "POST", "/policies/p", `["policyDocument"]`, "JSON"},
		{"body is a string", "PATCH", "/transfer-certificate/" + testCertID + "?targetAwsAccount=" + accountB, `"hello"`, "JSON"},
		{"body is null", "POST", "/certificates", `null`, "JSON"},
		{"body is not JSON", "POST", "/certificate/register-no-ca", `{"certificatePem":`, "JSON"},
		{"trailing garbage", "POST", "/target-policies/p", `{"target":"a"} x`, "JSON"},
		{"number for a string", "POST", "/policies/p", `{"policyDocument":42}`, "policyDocument"},
		{"object for a string", "PUT", "/target-policies/p", `{"target":{"arn":"x"}}`, "target"},
		{"tags not a list", "POST", "/policies/p", `{"policyDocument":"{}","tags":{"Key":"k"}}`, "tags"},
		{"tag not an object", "POST", "/policies/p", `{"policyDocument":"{}","tags":["k"]}`, "tags[0]"},
		{"tag key not a string", "POST", "/policies/p", `{"policyDocument":"{}","tags":[{"Key":1}]}`, "tags[0].Key"},
		{"attributePayload not an object", "POST", "/things/t", `{"attributePayload":"a=b"}`, "attributePayload"},
		{"attribute value not a string", "POST", "/things/t", `{"attributePayload":{"attributes":{"a":1}}}`, "attributePayload.attributes"},
		{"merge not a boolean", "POST", "/things/t", `{"attributePayload":{"merge":"true"}}`, "attributePayload.merge"},
		{"reject reason not a string", "PATCH", "/reject-certificate-transfer/" + testCertID, `{"rejectReason":false}`, "rejectReason"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := do(t, h, accountA, tc.method, tc.target, tc.body, nil)
			m := wantError(t, got, http.StatusBadRequest, "InvalidRequestException")
			if msg, _ := m["message"].(string); !strings.Contains(msg, tc.mention) {
				t.Errorf("message %q does not mention %q", msg, tc.mention)
			}
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	h := newEmulatorHandler(t)
	body := `{"policyDocument":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	got := do(t, h, accountA, "POST", "/policies/p", body, nil)
	wantError(t, got, http.StatusBadRequest, "InvalidRequestException")
}

// TestLenientDecoding checks what must be accepted: booleans in any case, absent
// booleans, unknown keys, null members, empty bodies and missing Content-Type.
func TestLenientDecoding(t *testing.T) {
	h := newEmulatorHandler(t)
	tests := []struct {
		name   string
		method string
		target string
		body   string
	}{
		{"boolean any case", "GET", "/certificates?isAscendingOrder=True", ""},
		{"boolean false", "GET", "/certificates?isAscendingOrder=FALSE", ""},
		{"absent paging", "GET", "/certificates", ""},
		{"signed integer", "GET", "/certificates?pageSize=%2B5", ""},
		{"unknown query parameters", "GET", "/certificates?foo=bar&pageSize=5", ""},
		{"unknown keys and null", "POST", "/things/lenient", `{"somethingElse":[1,2],"thingTypeName":null,"attributePayload":null}`},
		{"empty object", "POST", "/things/lenient2", `{}`},
		{"no body at all", "POST", "/things/lenient3", ""},
		{"whitespace body", "POST", "/things/lenient4", " \n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRequest(tc.method, tc.target, tc.body, nil)
			r.Header.Del("Content-Type")
			got := record(h, withEmulatorAuth(r, accountA))
			if got.Status != http.StatusOK {
				t.Fatalf("status %d: %s", got.Status, got.Body)
			}
		})
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("é", 100) // two bytes each
	got := clip(long)
	if !strings.HasSuffix(got, "...") || len(got) > 83 {
		t.Errorf("clip(%d bytes) = %d bytes", len(long), len(got))
	}
	if strings.ContainsRune(got, '\uFFFD') || !strings.HasPrefix(long, strings.TrimSuffix(got, "...")) {
		t.Error("clip split a UTF-8 sequence")
	}
	if clip("short") != "short" {
		t.Error("clip changed a short string")
	}
}

// TestNonTextMembers checks that members that are not text (invalid UTF-8, or NUL) are
// refused with 400 InvalidRequestException wherever they arrive: a path label, a query
// member, a principal header, a JSON body member, nested or not. The SDKs cannot send some
// of these (a header that is not UTF-8), so this drives the handler directly.
func TestNonTextMembers(t *testing.T) {
	h := newEmulatorHandler(t)
	cert := "arn:aws:iot:" + testRegion + ":" + accountA + ":cert/" + testCertID
	for _, tc := range []struct {
		name, method, target, body string
		header                     http.Header
	}{
		{"label NUL", "GET", "/policies/a%00b", "", nil},
		{"label not UTF-8", "GET", "/things/a%FFb", "", nil},
		{"query NUL", "GET", "/certificates?marker=%00", "", nil},
		{"query not UTF-8", "GET", "/things?attributeValue=%C3%28", "", nil},
		{"principal header not UTF-8", "GET", "/principals/things", "", http.Header{"X-Amzn-Principal": {cert + "\xff"}}},
		{"iot principal header NUL", "DELETE", "/principal-policies/p", "", http.Header{"X-Amzn-Iot-Principal": {"a\x00b"}}},
		{"body string NUL", "PATCH", "/transfer-certificate/" + testCertID + "?targetAwsAccount=" + accountB, `{"transferMessage":"a\u0000b"}`, nil},
		{"nested body NUL", "POST", "/things/t", `{"attributePayload":{"attributes":{"k":"v\u0000"}}}`, nil},
		{"tag NUL", "POST", "/tags", `{"resourceArn":"arn:aws:iot:us-east-1:` + accountA + `:policy/p","tags":[{"Key":"k","Value":"\u0000"}]}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := wantError(t, do(t, h, accountA, tc.method, tc.target, tc.body, tc.header), http.StatusBadRequest, "InvalidRequestException")
			// Refused as text, not by a later pattern or existence check.
			if msg, _ := m["message"].(string); !strings.Contains(msg, "valid UTF-8 without the NUL character") {
				t.Errorf("message %q", msg)
			}
		})
	}
	// The escape of a backslash followed by u0000 is text, not NUL.
	wantOK(t, do(t, h, accountA, "POST", "/policies/text", `{"policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"a\\\\u0000b\"}]}"}`, nil))
}
