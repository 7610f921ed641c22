package sigv4

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Query parameter names of a presigned request (spec: "Authentication
// information in the query string").
const (
	queryAlgorithm     = "X-Amz-Algorithm"
	queryCredential    = "X-Amz-Credential"
	queryDate          = "X-Amz-Date"
	queryExpires       = "X-Amz-Expires"
	querySignedHeaders = "X-Amz-SignedHeaders"
	querySignature     = "X-Amz-Signature"
	querySecurityToken = "X-Amz-Security-Token"
)

// Parse reads the Authorization header (or presigned query parameters) and X-Amz-Date.
// It checks the form only: no secret is needed. A request with no Authorization
// header and no presigned query fails with MissingAuthenticationTokenException;
// a malformed one fails with IncompleteSignatureException whose message says what
// is wrong. Both answer 403.
func Parse(r *http.Request) (*Auth, error) {
	if r == nil {
		return nil, missingToken()
	}
	values := r.Header.Values("Authorization")
	switch {
	case len(values) > 1:
		return nil, incomplete("A request may carry only one Authorization header, found %d.", len(values))
	case len(values) == 1 && strings.TrimSpace(values[0]) != "":
		return parseHeaderAuth(r, values[0])
	}
	var rawQuery string
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}
	params := decodeQuery(rawQuery)
	if isPresigned(params) {
		return parsePresigned(params)
	}
	return nil, missingToken()
}

// hasAuthorizationHeader reports whether Parse would read the signature from
// the header; otherwise the request is presigned. CanonicalRequest uses it to
// know whether X-Amz-Signature belongs to the canonical query.
func hasAuthorizationHeader(r *http.Request) bool {
	values := r.Header.Values("Authorization")
	return len(values) > 1 || len(values) == 1 && strings.TrimSpace(values[0]) != ""
}

// isPresigned reports whether the query attempts query-string authentication.
// Any one of the three defining parameters is enough, so that a partial
// presigned URL is told what is missing rather than "Missing Authentication Token".
func isPresigned(params []queryParam) bool {
	for _, p := range params {
		switch p.name {
		case queryAlgorithm, queryCredential, querySignature:
			return true
		}
	}
	return false
}

// parseHeaderAuth parses
//
//	AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iot/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex
//
// (spec: "Add the signature to the request", Authorization header form).
func parseHeaderAuth(r *http.Request, header string) (*Auth, error) {
	header = strings.TrimSpace(header)
	algorithm, rest, _ := strings.Cut(header, " ")
	if algorithm != Algorithm {
		return nil, incomplete("Unsupported Authorization algorithm %q: only %s is accepted.", clip(algorithm), Algorithm)
	}

	var credential, signedHeaders, signature string
	var seen [3]bool
	for field := range strings.SplitSeq(rest, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		key, value, ok := strings.Cut(field, "=")
		if !ok {
			return nil, incomplete("Invalid key=value pair (missing equal-sign) in Authorization header: %q.", clip(field))
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		var i int
		var dst *string
		switch key {
		case "Credential":
			i, dst = 0, &credential
		case "SignedHeaders":
			i, dst = 1, &signedHeaders
		case "Signature":
			i, dst = 2, &signature
		default:
			// Unknown parameters are ignored, as they do not take part in the signature.
			continue
		}
		if seen[i] {
			return nil, incomplete("Authorization header has more than one '%s' parameter.", key)
		}
		seen[i], *dst = true, value
	}
	// AWS lists every missing parameter, in this order.
	var missing []string
	if !seen[0] {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !seen[2] {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if !seen[1] {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if len(missing) > 0 {
		return nil, incomplete("%s", strings.Join(missing, " "))
	}

	a := &Auth{SecurityToken: r.Header.Get("X-Amz-Security-Token")}
	if err := a.setCredential(credential); err != nil {
		return nil, err
	}
	if err := a.setSignedHeaders(signedHeaders); err != nil {
		return nil, err
	}
	if err := a.setSignature(signature); err != nil {
		return nil, err
	}

	// The signing time comes from X-Amz-Date, or from Date when there is none
	// (spec: "Create a canonical request", the date header).
	if amzDate := r.Header.Get("X-Amz-Date"); amzDate != "" {
		if err := a.setTime(amzDate); err != nil {
			return nil, err
		}
	} else if date := r.Header.Get("Date"); date != "" {
		t, err := http.ParseTime(date)
		if err != nil {
			return nil, incomplete("Date header %q is not a valid HTTP date.", clip(date))
		}
		a.Time = t.UTC()
	} else {
		return nil, incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if err := a.checkScopeDate(); err != nil {
		return nil, err
	}
	return a, nil
}

// parsePresigned parses the X-Amz-* query parameters of a presigned URL.
func parsePresigned(params []queryParam) (*Auth, error) {
	names := [...]string{queryAlgorithm, queryCredential, queryDate, querySignedHeaders, querySignature, queryExpires, querySecurityToken}
	var vals [len(names)]string
	var seen [len(names)]bool
	for _, p := range params {
		for i, n := range names {
			if p.name != n {
				continue
			}
			if seen[i] {
				return nil, incomplete("Query-string authentication parameter '%s' appears more than once.", n)
			}
			seen[i], vals[i] = true, p.value
		}
	}
	var missing []string
	for i := range 5 { // the first five are required
		if !seen[i] {
			missing = append(missing, names[i])
		}
	}
	if len(missing) > 0 {
		return nil, incomplete("Query-string authentication requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, "+
			"X-Amz-SignedHeaders and X-Amz-Signature parameters; missing: %s.", strings.Join(missing, ", "))
	}
	if vals[0] != Algorithm {
		return nil, incomplete("Unsupported X-Amz-Algorithm %q: only %s is accepted.", clip(vals[0]), Algorithm)
	}

	a := &Auth{Presigned: true, SecurityToken: vals[6]}
	if err := a.setCredential(vals[1]); err != nil {
		return nil, err
	}
	if err := a.setTime(vals[2]); err != nil {
		return nil, err
	}
	if err := a.setSignedHeaders(vals[3]); err != nil {
		return nil, err
	}
	if err := a.setSignature(vals[4]); err != nil {
		return nil, err
	}
	if seen[5] {
		// X-Amz-Expires is optional: without it the URL is good for the usual
		// clock-skew window, which is how SDKs that never set it behave against AWS.
		n, err := strconv.ParseInt(vals[5], 10, 64)
		if err != nil || n <= 0 || n > int64(MaxPresignExpiry/time.Second) {
			return nil, incomplete("X-Amz-Expires must be a whole number of seconds from 1 to %d, not %q.",
				int64(MaxPresignExpiry/time.Second), clip(vals[5]))
		}
		a.Expires = time.Duration(n) * time.Second
	}
	if err := a.checkScopeDate(); err != nil {
		return nil, err
	}
	return a, nil
}

// setCredential parses "AKID/yyyymmdd/region/service/aws4_request" (spec:
// "Create a string to sign", credential scope).
func (a *Auth) setCredential(credential string) error {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 {
		return incomplete("Credential must have the form <access key>/<yyyymmdd>/<region>/<service>/aws4_request, not %q.", clip(credential))
	}
	if parts[4] != scopeTerminator {
		return incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not %q.", clip(parts[4]))
	}
	for i, what := range [4]string{"access key ID", "date", "region", "service"} {
		if parts[i] == "" {
			return incomplete("Credential has an empty %s: %q.", what, clip(credential))
		}
	}
	if d, err := time.Parse(dateFormat, parts[1]); err != nil || d.Format(dateFormat) != parts[1] {
		return incomplete("Credential scope date %q is not in yyyyMMdd format.", clip(parts[1]))
	}
	a.AccessKeyID, a.Date, a.Region, a.Service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

// setSignedHeaders parses the semicolon-separated list of signed header names.
// Host must be among them (spec: "Create a canonical request": the host header
// is always signed), otherwise a signature could be replayed on another host.
func (a *Auth) setSignedHeaders(list string) error {
	if list == "" {
		return incomplete("SignedHeaders must not be empty; it must include 'host'.")
	}
	names := strings.Split(strings.ToLower(list), ";")
	hasHost := false
	for _, n := range names {
		if n == "" || strings.TrimSpace(n) != n {
			return incomplete("SignedHeaders %q has an empty or padded header name.", clip(list))
		}
		if n == "host" {
			hasHost = true
		}
	}
	if !hasHost {
		return incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	a.SignedHeaders = names
	return nil
}

// setSignature checks that the signature is 32 bytes of hex (spec: "Calculate
// the signature": hex of an HMAC-SHA256).
func (a *Auth) setSignature(sig string) error {
	if len(sig) != 64 {
		return incomplete("Signature must be 64 hexadecimal characters, got %d.", len(sig))
	}
	if _, err := hex.DecodeString(sig); err != nil {
		return incomplete("Signature %q is not hexadecimal.", clip(sig))
	}
	a.Signature = strings.ToLower(sig)
	return nil
}

// setTime parses X-Amz-Date in ISO 8601 basic format.
func (a *Auth) setTime(v string) error {
	// time.Parse tolerates fractional seconds the layout does not mention; the
	// round trip rejects them, because the string to sign repeats this value verbatim.
	t, err := time.Parse(timeFormat, v)
	if err != nil || t.Format(timeFormat) != v {
		return incomplete("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", not %q.", clip(v))
	}
	a.Time = t.UTC()
	return nil
}

// checkScopeDate requires the credential scope to name the day of the signing
// time (spec: the scope date "must match the value that you used in ... the
// X-Amz-Date header"), since the signing key is derived from that day.
func (a *Auth) checkScopeDate() error {
	if day := a.Time.Format(dateFormat); day != a.Date {
		return incomplete("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			a.Date, day, a.Time.Format(timeFormat))
	}
	return nil
}

// CheckTime refuses a request whose time is more than 15 minutes from now (either direction), and a presigned
// request past its expiry, with InvalidSignatureException and AWS's message, e.g.
// "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z (20150830T130100Z - 15 min.)"
// (and "Signature not yet current: ... is still later than ... (... + 15 min.)" for the future).
// Callers run it before any crypto, so stale requests cost no HMAC.
func CheckTime(a *Auth, now time.Time) error {
	if a == nil {
		return missingToken()
	}
	// Signing times have whole seconds; compare at the same resolution so the
	// message never says a time is earlier than itself.
	now = now.UTC().Truncate(time.Second)
	t := a.Time.UTC()
	if latest := now.Add(MaxClockSkew); t.After(latest) {
		return invalid("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			t.Format(timeFormat), latest.Format(timeFormat), now.Format(timeFormat))
	}
	if a.Presigned && a.Expires > 0 {
		// A presigned URL lives for X-Amz-Expires after its signing time instead
		// of the skew window.
		if earliest := now.Add(-a.Expires); t.Before(earliest) {
			return invalid("Signature expired: %s is now earlier than %s (%s - %d sec.)",
				t.Format(timeFormat), earliest.Format(timeFormat), now.Format(timeFormat), int64(a.Expires/time.Second))
		}
		return nil
	}
	if earliest := now.Add(-MaxClockSkew); t.Before(earliest) {
		return invalid("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			t.Format(timeFormat), earliest.Format(timeFormat), now.Format(timeFormat))
	}
	return nil
}
