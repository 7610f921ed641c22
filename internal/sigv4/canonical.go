package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CanonicalRequest builds the canonical request of spec step 1 ("Create a
// canonical request"):
//
//	Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash
//
// signedHeaders are the lowercase names the client listed, in its order. The
// canonical URI is the normalised one (dot segments and duplicate slashes
// removed); Verify also tries the un-normalised form. X-Amz-Signature is left
// out of the query when the request has no Authorization header, i.e. when it
// is presigned.
func CanonicalRequest(r *http.Request, signedHeaders []string, payloadHash string) string {
	return canonicalRequest(r, canonicalURI(rawPath(r), true), !hasAuthorizationHeader(r), signedHeaders, payloadHash)
}

// canonicalRequest joins the parts of step 1 once the canonical URI is chosen.
func canonicalRequest(r *http.Request, uri string, presigned bool, signedHeaders []string, payloadHash string) string {
	method := r.Method
	if method == "" {
		method = http.MethodGet // as net/http sends it
	}
	var rawQuery string
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}
	var b strings.Builder
	b.Grow(256)
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(rawQuery, presigned))
	b.WriteByte('\n')
	writeCanonicalHeaders(&b, r, signedHeaders)
	b.WriteByte('\n')
	for i, name := range signedHeaders {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(name)
	}
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// rawPath returns the request path exactly as the client put it on the wire.
// Clients sign that form (spec: "CanonicalURI ... URI-encoded"; the SDKs encode
// the already-encoded path once more for every service but S3), so the decoded
// r.URL.Path is useless here: it has turned %2F into a separator. A server
// request keeps the wire form in RequestURI, which also survives middleware
// that rewrites r.URL; a request built in code has only r.URL, whose
// EscapedPath is the form net/http would send.
func rawPath(r *http.Request) string {
	if p := r.RequestURI; strings.HasPrefix(p, "/") {
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		return p
	}
	if r.URL == nil {
		return "/"
	}
	if p := r.URL.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// canonicalURI is the CanonicalURI of step 1: the wire path, optionally
// normalised, with every byte but unreserved characters and '/' percent-encoded
// (so an existing %3A becomes %253A, as clients compute it).
func canonicalURI(path string, normalize bool) string {
	if normalize {
		path = normalizePath(path)
	}
	return escape(path, true)
}

// normalizePath removes "." and ".." segments (RFC 3986 section 5.2.4) and
// empty segments, keeping a trailing slash, as the spec asks for every service
// but S3. It works on the encoded path, so an encoded %2F is never a separator.
func normalizePath(p string) string {
	// Already normal, as nearly every path is: absolute, with no empty segment but a
	// trailing one, and no segment that starts with a dot.
	if strings.HasPrefix(p, "/") && !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return p
	}
	segments := strings.Split(p, "/")
	out := make([]string, 0, len(segments))
	trailing := false
	for i, s := range segments {
		last := i == len(segments)-1
		switch s {
		case "", ".":
			trailing = last
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			trailing = last
		default:
			out = append(out, s)
			trailing = false
		}
	}
	if len(out) == 0 {
		return "/"
	}
	n := strings.Join(out, "/")
	if trailing {
		return "/" + n + "/"
	}
	return "/" + n
}

// queryParam is one name=value pair of a query string.
type queryParam struct {
	name, value string
}

// decodeQuery splits a raw query on '&' and decodes each name and value, '+'
// meaning space (the Go SDK sends spaces as '+', botocore as %20; both mean the
// same parameter). Empty pieces are skipped and a piece without '=' has an
// empty value. A piece with a broken escape is taken literally rather than
// dropped, so it still takes part in the signature.
func decodeQuery(raw string) []queryParam {
	if raw == "" {
		return nil
	}
	params := make([]queryParam, 0, strings.Count(raw, "&")+1)
	for piece := range strings.SplitSeq(raw, "&") {
		if piece == "" {
			continue
		}
		name, value, _ := strings.Cut(piece, "=")
		params = append(params, queryParam{name: unescapeQuery(name), value: unescapeQuery(value)})
	}
	return params
}

func unescapeQuery(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// canonicalQuery is the CanonicalQueryString of step 1: every parameter
// re-encoded with strict RFC 3986 escaping, sorted by encoded name then value,
// joined with '&'. A presigned request's own signature is not part of what it
// signs.
func canonicalQuery(raw string, presigned bool) string {
	params := decodeQuery(raw)
	if len(params) == 0 {
		return ""
	}
	encoded := params[:0]
	for _, p := range params {
		if presigned && p.name == querySignature {
			continue
		}
		encoded = append(encoded, queryParam{name: escape(p.name, false), value: escape(p.value, false)})
	}
	slices.SortFunc(encoded, func(a, b queryParam) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var b strings.Builder
	for i, p := range encoded {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// writeCanonicalHeaders writes the CanonicalHeaders of step 1: one
// "name:value\n" line per signed header, in the order the client listed them.
func writeCanonicalHeaders(b *strings.Builder, r *http.Request, signedHeaders []string) {
	for _, name := range signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		writeHeaderValue(b, r, name)
		b.WriteByte('\n')
	}
}

// writeHeaderValue writes the canonical value of one header: each value
// trimmed with inner runs of spaces collapsed, several values joined with ','
// in the order they arrived.
func writeHeaderValue(b *strings.Builder, r *http.Request, name string) {
	switch name {
	case "host":
		// net/http moves Host out of r.Header into r.Host (and a request built
		// for sending may leave it in r.URL.Host).
		host := r.Host
		if host == "" && r.URL != nil {
			host = r.URL.Host
		}
		b.WriteString(canonicalValue(host))
		return
	case "content-length":
		// net/http may keep the length only in r.ContentLength.
		if len(headerValues(r.Header, name)) == 0 {
			if r.ContentLength >= 0 {
				b.WriteString(strconv.FormatInt(r.ContentLength, 10))
			}
			return
		}
	}
	for i, v := range headerValues(r.Header, name) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(canonicalValue(v))
	}
}

// headerValues finds a header by its lowercase name. Keys set directly in the
// map, or that textproto does not canonicalise, are found case-insensitively,
// in key order so the result is deterministic.
func headerValues(h http.Header, name string) []string {
	if v, ok := h[textproto.CanonicalMIMEHeaderKey(name)]; ok {
		return v
	}
	var keys []string
	for k := range h {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	if len(keys) <= 1 {
		if len(keys) == 1 {
			return h[keys[0]]
		}
		return nil
	}
	slices.Sort(keys)
	var all []string
	for _, k := range keys {
		all = append(all, h[k]...)
	}
	return all
}

// canonicalValue trims a header value and collapses inner runs of spaces to
// one (spec step 1, "Trimall").
func canonicalValue(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// escape percent-encodes every byte except the RFC 3986 unreserved characters
// A-Z a-z 0-9 - . _ ~ (and '/' when keepSlash), with uppercase hex, as the spec
// requires for both the canonical URI and the canonical query.
func escape(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && (s[i] != '/' || !keepSlash) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	buf := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || c == '/' && keepSlash {
			buf = append(buf, c)
			continue
		}
		buf = append(buf, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return string(buf)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// StringToSign builds the string to sign of spec step 2 ("Create a string to
// sign"): the algorithm, the signing time, the credential scope and the hex
// SHA-256 of the canonical request, one per line.
func StringToSign(t time.Time, scope, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return Algorithm + "\n" + t.UTC().Format(timeFormat) + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// SigningKey derives the signing key of spec step 3 ("Derive a signing key"):
// an HMAC-SHA256 chain over "AWS4"+secret, the date, the region, the service
// and "aws4_request".
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerminator)
}

// signature is spec step 4 ("Calculate the signature"): HMAC-SHA256 of the
// string to sign under the signing key, as raw bytes for a constant-time compare.
func signature(key []byte, stringToSign string) []byte {
	return hmacSHA256(key, stringToSign)
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}
