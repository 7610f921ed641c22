package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// TestPolicyThingTagWireShapes checks members the SDK types cannot show: false and empty
// values that must be present, absent ones that must be left out, and body members of
// the wrong type.
func TestPolicyThingTagWireShapes(t *testing.T) {
	h := newEmulatorHandler(t)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`
	body, _ := json.Marshal(map[string]any{"policyDocument": doc})
	wantOK(t, do(t, h, accountA, "POST", "/policies/p", string(body), nil))

	t.Run("CreatePolicyVersion", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountA, "POST", "/policies/p/version", string(body), nil))
		if m["isDefaultVersion"] != false || m["policyVersionId"] != "2" || m["policyDocument"] != doc {
			t.Errorf("body %v", m)
		}
		m = wantOK(t, do(t, h, accountA, "POST", "/policies/p/version?setAsDefault=true", string(body), nil))
		if m["isDefaultVersion"] != true || m["policyVersionId"] != "3" {
			t.Errorf("body %v", m)
		}
		wantError(t, do(t, h, accountA, "POST", "/policies/p/version?setAsDefault=maybe", string(body), nil), http.StatusBadRequest, "InvalidRequestException")
	})
	t.Run("ListPolicyVersions", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountA, "GET", "/policies/p/version", "", nil))
		vs, _ := m["policyVersions"].([]any)
		if len(vs) != 3 {
			t.Fatalf("body %v", m)
		}
		for i, want := range []string{"3", "2", "1"} {
			v := vs[i].(map[string]any)
			if v["versionId"] != want || v["isDefaultVersion"] != (want == "3") {
				t.Errorf("version %d: %v", i, v)
			}
			if _, ok := v["createDate"].(json.Number); !ok {
				t.Errorf("createDate %#v", v["createDate"])
			}
		}
	})
	t.Run("GetPolicyVersion", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountA, "GET", "/policies/p/version/1", "", nil))
		if m["isDefaultVersion"] != false || m["policyName"] != "p" || m["policyVersionId"] != "1" {
			t.Errorf("body %v", m)
		}
		for _, k := range []string{"creationDate", "lastModifiedDate"} {
			if _, ok := m[k].(json.Number); !ok {
				t.Errorf("%s %#v", k, m[k])
			}
		}
	})
	t.Run("SetDefaultPolicyVersion and DeletePolicyVersion answer empty bodies", func(t *testing.T) {
		if got := do(t, h, accountA, "PATCH", "/policies/p/version/2", "", nil); got.Status != http.StatusOK || len(got.Body) != 0 {
			t.Errorf("SetDefaultPolicyVersion: %d %q", got.Status, got.Body)
		}
		if got := do(t, h, accountA, "DELETE", "/policies/p/version/3", "", nil); got.Status != http.StatusOK || len(got.Body) != 0 {
			t.Errorf("DeletePolicyVersion: %d %q", got.Status, got.Body)
		}
	})
	t.Run("ListPrincipalPolicies reads x-amzn-iot-principal", func(t *testing.T) {
		const cognito = "us-east-1:12345678-1234-1234-1234-123456789012"
		header := http.Header{"x-amzn-iot-principal": {cognito}}
		if got := do(t, h, accountA, "PUT", "/principal-policies/p", "", header); got.Status != http.StatusOK || len(got.Body) != 0 {
			t.Fatalf("AttachPrincipalPolicy: %d %q", got.Status, got.Body)
		}
		m := wantOK(t, do(t, h, accountA, "GET", "/principal-policies?isAscendingOrder=true", "", header))
		ps, _ := m["policies"].([]any)
		if len(ps) != 1 || ps[0].(map[string]any)["policyName"] != "p" {
			t.Errorf("body %v", m)
		}
		// The thing-principal header is another member.
		wantError(t, do(t, h, accountA, "GET", "/principal-policies", "", http.Header{"x-amzn-principal": {cognito}}), http.StatusBadRequest, "InvalidRequestException")
		m = wantOK(t, do(t, h, accountA, "POST", "/policy-targets/p", "", nil))
		if ts, _ := m["targets"].([]any); len(ts) != 1 || ts[0] != cognito {
			t.Errorf("ListTargetsForPolicy body %v", m)
		}
	})
	t.Run("ListThings and UpdateThing", func(t *testing.T) {
		wantOK(t, do(t, h, accountA, "POST", "/things/t1", "", nil))
		m := wantOK(t, do(t, h, accountA, "GET", "/things", "", nil))
		things, _ := m["things"].([]any)
		if len(things) != 1 {
			t.Fatalf("body %v", m)
		}
		th := things[0].(map[string]any)
		if attrs, ok := th["attributes"].(map[string]any); !ok || len(attrs) != 0 || th["version"] != json.Number("1") {
			t.Errorf("thing %v", th)
		}
		if _, ok := th["thingTypeName"]; ok {
			t.Errorf("thing without a type has thingTypeName: %v", th)
		}
		if _, ok := m["nextToken"]; ok {
			t.Errorf("last page has nextToken: %v", m)
		}
		if m := wantOK(t, do(t, h, accountA, "PATCH", "/things/t1", `{"expectedVersion":1}`, nil)); len(m) != 0 {
			t.Errorf("UpdateThing body %v, want {}", m)
		}
		for _, bad := range []string{`{"expectedVersion":"2"}`, `{"expectedVersion":1.5}`, `{"attributePayload":[]}`,
			`{"attributePayload":{"attributes":{"a":1}}}`, `{"attributePayload":{"merge":"yes"}}`, `{"removeThingType":1}`} {
			wantError(t, do(t, h, accountA, "PATCH", "/things/t1", bad, nil), http.StatusBadRequest, "InvalidRequestException")
		}
		wantError(t, do(t, h, accountA, "GET", "/things?usePrefixAttributeValue=sometimes", "", nil), http.StatusBadRequest, "InvalidRequestException")
	})
	t.Run("tags", func(t *testing.T) {
		arn := "arn:aws:iot:" + testRegion + ":" + accountA + ":policy/p"
		m := wantOK(t, do(t, h, accountA, "GET", "/tags?resourceArn="+url.QueryEscape(arn), "", nil))
		if tags, ok := m["tags"].([]any); !ok || len(tags) != 0 {
			t.Errorf("body %v, want an empty tags list", m)
		}
		tb, _ := json.Marshal(map[string]any{"resourceArn": arn, "tags": []map[string]string{{"Key": "k", "Value": ""}}})
		if m := wantOK(t, do(t, h, accountA, "POST", "/tags", string(tb), nil)); len(m) != 0 {
			t.Errorf("TagResource body %v, want {}", m)
		}
		m = wantOK(t, do(t, h, accountA, "GET", "/tags?resourceArn="+url.QueryEscape(arn), "", nil))
		if tags, _ := m["tags"].([]any); len(tags) != 1 || tags[0].(map[string]any)["Key"] != "k" || tags[0].(map[string]any)["Value"] != "" {
			t.Errorf("body %v", m)
		}
		for _, bad := range []string{`{"resourceArn":"` + arn + `"}`, `{"resourceArn":"` + arn + `","tags":{}}`} {
			wantError(t, do(t, h, accountA, "POST", "/tags", bad, nil), http.StatusBadRequest, "InvalidRequestException")
		}
		for _, bad := range []string{`{"resourceArn":"` + arn + `"}`, `{"resourceArn":"` + arn + `","tagKeys":"k"}`, `{"resourceArn":"` + arn + `","tagKeys":[1]}`} {
			wantError(t, do(t, h, accountA, "POST", "/untag", bad, nil), http.StatusBadRequest, "InvalidRequestException")
		}
		wantError(t, do(t, h, accountA, "GET", "/tags", "", nil), http.StatusBadRequest, "InvalidRequestException")
	})
}
