package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// request holds the wire members of a call, decoded on demand by the handler that knows
// their types. Decoding checks types only; the domain validates values (iot-api.md §1.2:
// the SDKs validate little, so the server must, and it does so in one place).
type request struct {
	labels []string
	header http.Header
	// host is the address the request was sent to, as the client named it (requestHost).
	host     string
	rawQuery string
	body     []byte

	query    url.Values
	queryErr error
	parsedQ  bool
}

// checkText refuses path labels, query members and principal headers that are not text
// (iot.IsText): percent-escapes can carry any byte, and no member of the model is binary.
// JSON body members are checked as they are decoded (member).
func (r *request) checkText() error {
	for _, l := range r.labels {
		if err := iot.CheckText("path", l); err != nil {
			return err
		}
	}
	for _, h := range [...]string{headerPrincipal, headerIoTPrincipal} {
		if err := iot.CheckText(h, r.header.Get(h)); err != nil {
			return err
		}
	}
	if r.rawQuery == "" {
		return nil
	}
	q, err := r.values()
	if err != nil {
		return err
	}
	for name, vs := range q {
		for _, v := range vs {
			if err := iot.CheckText(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// label returns the i-th path label, already unescaped.
func (r *request) label(i int) string { return r.labels[i] }

// headerValue returns a header member; names are case-insensitive (iot-api.md §1.2).
func (r *request) headerValue(name string) string { return r.header.Get(name) }

// values parses the query string once. Standard parsing is what the SDKs expect: GO
// encodes a space as '+', BP and JS as %20 (iot-api.md §1.2).
func (r *request) values() (url.Values, error) {
	if !r.parsedQ {
		r.parsedQ = true
		r.query, r.queryErr = url.ParseQuery(r.rawQuery)
		if r.queryErr != nil {
			r.queryErr = iot.Errorf(iot.CodeInvalidRequest, "The query string is not validly encoded.")
		}
	}
	return r.query, r.queryErr
}

// queryString returns a string query member; absent is "".
func (r *request) queryString(name string) (string, error) {
	q, err := r.values()
	if err != nil {
		return "", err
	}
	return q.Get(name), nil
}

// queryBool returns a boolean query member. Absent means false: GO sends these
// @default(false) members only when true (iot-api.md §1.2).
func (r *request) queryBool(name string) (bool, error) {
	v, err := r.queryOptionalBool(name)
	if err != nil || v == nil {
		return false, err
	}
	return *v, nil
}

// queryOptionalBool returns a boolean query member, nil when absent. RegisterCertificate's
// deprecated setAsActive has no default, so absent and false differ there.
func (r *request) queryOptionalBool(name string) (*bool, error) {
	q, err := r.values()
	if err != nil || !q.Has(name) {
		return nil, err
	}
	v := q.Get(name)
	switch {
	case strings.EqualFold(v, "true"):
		b := true
		return &b, nil
	case strings.EqualFold(v, "false"):
		b := false
		return &b, nil
	}
	return nil, iot.Errorf(iot.CodeInvalidRequest, "Value '%s' at '%s' failed to satisfy constraint: Member must be a boolean (true or false).", clip(v), name)
}

// queryInt returns an integer query member (pageSize, maxResults), nil when absent.
func (r *request) queryInt(name string) (*int, error) {
	v, err := r.queryInt64(name, strconv.IntSize)
	if err != nil || v == nil {
		return nil, err
	}
	n := int(*v)
	return &n, nil
}

// queryInt64 returns a decimal integer query member of the given bit size (64 for the
// model's long, e.g. expectedVersion), nil when absent.
func (r *request) queryInt64(name string, bits int) (*int64, error) {
	q, err := r.values()
	if err != nil || !q.Has(name) {
		return nil, err
	}
	v := q.Get(name)
	n, perr := strconv.ParseInt(v, 10, bits)
	if perr != nil {
		return nil, iot.Errorf(iot.CodeInvalidRequest, "Value '%s' at '%s' failed to satisfy constraint: Member must be a decimal integer.", clip(v), name)
	}
	return &n, nil
}

// jsonObject is a JSON object body (or nested structure) by exact member name. Members
// are looked up case-sensitively, as the wire names are exact (iot-api.md §1.3), whereas
// encoding/json would match struct fields case-insensitively.
type jsonObject map[string]json.RawMessage

// object decodes the body. An empty body is an object without members: the SDKs send no
// body when every input member is bound elsewhere, and "{}" when no body member is set
// (iot-api.md §1.2). Anything but a JSON object is refused; unknown keys are ignored.
func (r *request) object() (jsonObject, error) {
	trimmed := bytes.TrimSpace(r.body)
	if len(trimmed) == 0 {
		return jsonObject{}, nil
	}
	var o jsonObject
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &o) != nil {
		return nil, iot.Errorf(iot.CodeInvalidRequest, "The request body is not valid JSON: it must be a JSON object.")
	}
	return o, nil
}

// member decodes the member name of o into dst, leaving dst unchanged when the member
// is absent or null (null is treated as absent, iot-api.md §1.2). path names the member
// in errors and kind says what it must be.
func member[T any](o jsonObject, name string, dst *T, path, kind string) error {
	raw, ok := o[name]
	if !ok || isNull(raw) {
		return nil
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return iot.Errorf(iot.CodeInvalidRequest, "The member '%s' must be %s.", path, kind)
	}
	// encoding/json turns invalid UTF-8 into U+FFFD, but decodes the escape \u0000 to NUL.
	if bytes.Contains(raw, []byte(`\u0000`)) && containsNUL(raw) {
		return iot.NotText(path)
	}
	*dst = v
	return nil
}

// containsNUL reports whether a JSON value has a string, or an object key, with the NUL
// character.
func containsNUL(raw json.RawMessage) bool {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case string:
			return strings.IndexByte(v, 0) >= 0
		case []any:
			return slices.ContainsFunc(v, walk)
		case map[string]any:
			for k, e := range v {
				if strings.IndexByte(k, 0) >= 0 || walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

// stringMember decodes a string member.
func (o jsonObject) stringMember(name string) (string, error) {
	if s, ok := plainString(o[name]); ok {
		return s, nil
	}
	var s string
	err := member(o, name, &s, name, "a string")
	return s, err
}

// plainString decodes raw when it is a JSON string of printable ASCII whose only escapes
// are the two-character ones (\n, \", \\ and the like), as a PEM body is: it gives what
// encoding/json gives without scanning raw twice. Anything else (\u escapes, other bytes,
// invalid JSON) reports false and goes through encoding/json.
func plainString(raw json.RawMessage) (string, bool) {
	n := len(raw)
	if n < 2 || raw[0] != '"' || raw[n-1] != '"' {
		return "", false
	}
	var out strings.Builder
	out.Grow(n - 2)
	for i := 1; i < n-1; i++ {
		c := raw[i]
		switch {
		case c < 0x20 || c >= utf8.RuneSelf || c == '"':
			return "", false
		case c != '\\':
			out.WriteByte(c)
			continue
		}
		i++
		if i == n-1 {
			return "", false // the closing quote is escaped
		}
		switch raw[i] {
		case '"', '\\', '/':
			out.WriteByte(raw[i])
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 't':
			out.WriteByte('\t')
		case 'b':
			out.WriteByte('\b')
		case 'f':
			out.WriteByte('\f')
		default:
			return "", false
		}
	}
	return out.String(), true
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// tagsMember decodes a list of Tag structures, whose members are the capitalised Key
// and Value (iot-api.md §6 Tag).
func (o jsonObject) tagsMember(name string) ([]iot.Tag, error) {
	var items []json.RawMessage
	if err := member(o, name, &items, name, "a list of tags"); err != nil || items == nil {
		return nil, err
	}
	tags := make([]iot.Tag, 0, len(items))
	for i, raw := range items {
		path := name + "[" + strconv.Itoa(i) + "]"
		var t jsonObject
		if isNull(raw) || json.Unmarshal(raw, &t) != nil {
			return nil, iot.Errorf(iot.CodeInvalidRequest, "The member '%s' must be a tag object.", path)
		}
		var tag iot.Tag
		if err := member(t, "Key", &tag.Key, path+".Key", "a string"); err != nil {
			return nil, err
		}
		if err := member(t, "Value", &tag.Value, path+".Value", "a string"); err != nil {
			return nil, err
		}
		tags = append(tags, tag)
	}
	return tags, nil
}

// clip shortens client input echoed in error messages.
func clip(s string) string {
	const maxLen = 80
	if len(s) <= maxLen {
		return s
	}
	cut := maxLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut-- // never split a UTF-8 sequence
	}
	return s[:cut] + "..."
}
