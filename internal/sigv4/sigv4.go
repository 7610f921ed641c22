// Package sigv4 verifies requests signed with AWS Signature Version 4
// (AWS4-HMAC-SHA256), both in the Authorization header and as presigned query
// strings.
//
// The package knows nothing about any particular AWS service. A server uses it
// in three steps, cheapest first:
//
//	a, err := sigv4.Parse(r)               // form only, no secret needed
//	err = sigv4.CheckTime(a, time.Now())    // clock skew / presign expiry, before any crypto
//	err = verifier.Verify(r, body, a, secret) // recompute and compare in constant time
//
// Every failure is an *Error carrying the AWS error name and HTTP status, so the
// server can answer exactly as AWS would.
//
// The functions follow the steps of the specification in
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html:
// canonical request (canonicalURI, canonicalQuery, canonicalHeaders), string to
// sign (StringToSign), signing key (SigningKey) and signature.
package sigv4

import (
	"fmt"
	"net/http"
	"time"
)

// Algorithm is the only signing algorithm this package accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// UnsignedPayload is the payload hash a client uses when it does not sign the
// body; it is the default for presigned URLs.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// MaxClockSkew is how far a request's signing time may be from the server's
// clock, in either direction, before CheckTime refuses it (AWS uses 15 minutes).
const MaxClockSkew = 15 * time.Minute

// MaxPresignExpiry is the longest X-Amz-Expires a presigned URL may ask for
// (seven days, as in AWS).
const MaxPresignExpiry = 7 * 24 * time.Hour

// Error codes, as AWS names them in its error responses.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
	CodeInvalidSignature           = "InvalidSignatureException"
)

// MessageSignatureMismatch is AWS's message for a signature that does not match.
const MessageSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

const (
	// scopeTerminator ends every credential scope (spec: "Create a string to sign").
	scopeTerminator = "aws4_request"
	// timeFormat is the ISO 8601 basic format of X-Amz-Date.
	timeFormat = "20060102T150405Z"
	// dateFormat is the yyyymmdd date of the credential scope.
	dateFormat = "20060102"
)

// Auth is what a request claims about its signature, parsed before any secret is looked up.
type Auth struct {
	AccessKeyID   string
	Date          string        // yyyymmdd from the credential scope
	Region        string        // region from the credential scope
	Service       string        // service from the credential scope
	SignedHeaders []string      // lowercase, as listed by the client
	Signature     string        // lowercase hex
	Time          time.Time     // from X-Amz-Date (or Date header), UTC
	SecurityToken string        // X-Amz-Security-Token, if any
	Presigned     bool          // true when the auth came from the query string (X-Amz-Algorithm=AWS4-HMAC-SHA256 ...)
	Expires       time.Duration // presigned only (X-Amz-Expires); zero when the URL did not say
}

// Scope returns the credential scope "date/region/service/aws4_request" that
// the string to sign names.
func (a *Auth) Scope() string {
	return a.Date + "/" + a.Region + "/" + a.Service + "/" + scopeTerminator
}

// Error is an authentication failure in AWS's terms. Code is the AWS error name
// (e.g. "InvalidSignatureException"); Status is the HTTP status AWS answers with (403).
type Error struct {
	Code    string
	Message string
	Status  int
}

// Error returns the code and the message.
func (e *Error) Error() string {
	return e.Code + ": " + e.Message
}

func missingToken() *Error {
	return &Error{Code: CodeMissingAuthenticationToken, Message: "Missing Authentication Token", Status: http.StatusForbidden}
}

func incomplete(format string, args ...any) *Error {
	return &Error{Code: CodeIncompleteSignature, Message: fmt.Sprintf(format, args...), Status: http.StatusForbidden}
}

func invalid(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidSignature, Message: fmt.Sprintf(format, args...), Status: http.StatusForbidden}
}

func mismatch() *Error {
	return &Error{Code: CodeInvalidSignature, Message: MessageSignatureMismatch, Status: http.StatusForbidden}
}

// clip shortens client-supplied text before it is quoted in an error message,
// so a huge header does not produce a huge response.
func clip(s string) string {
	const maxLen = 128
	if len(s) <= maxLen {
		return s
	}
	return s[:maxLen] + "..."
}
