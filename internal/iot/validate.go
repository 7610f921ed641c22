package iot

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Field constraints from the AWS IoT model (../shared/reference/iot-api.md §8). Patterns are
// full-match, as the model's patterns are.
var (
	policyNamePattern = regexp.MustCompile(`^[\w+=,.@-]+$`)
	thingNamePattern  = regexp.MustCompile(`^[a-zA-Z0-9:_-]+$`)
	attrNamePattern   = regexp.MustCompile(`^[a-zA-Z0-9_.,@/:#-]+$`)
	attrValuePattern  = regexp.MustCompile(`^[a-zA-Z0-9_.,@/:#=\[\]-]*$`)
	tagKeyPattern     = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
)

// The two patterns checked on every request that names a certificate or an account are
// matched by hand: a regular expression cost about 1.5 µs a match, 4 % of the server's CPU
// for a describe (TestHandMatchedPatterns holds these equal to the model's patterns).

// matchesCertificateIDPattern reports whether id matches CertificateId's pattern
// (0x)?[a-fA-F0-9]+ in full.
func matchesCertificateIDPattern(id string) bool {
	return isHexDigits(strings.TrimPrefix(id, "0x"))
}

// matchesAccountIDPattern reports whether id matches AwsAccountId's pattern [0-9]+ in full.
func matchesAccountIDPattern(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// isHexDigits reports whether s is one or more hexadecimal digits, of either case.
func isHexDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Length limits from the model.
const (
	maxMessage        = 128
	maxCertificatePEM = 65536
	maxCSR            = 4096
	maxPolicyName     = 128
	maxThingName      = 128
	maxAttrName       = 128
	maxAttrValue      = 800
	maxTagKey         = 128
	maxTagValue       = 256
	maxPrincipal      = 2048
	defaultPageSize   = 25
	maxPageSize       = 250
)

// invalid returns an InvalidRequest error.
func invalid(format string, args ...any) *Error {
	return Errorf(CodeInvalidRequest, format, args...)
}

// IsText reports whether s is text every store can keep: valid UTF-8 without the NUL
// character, which PostgreSQL's text type cannot hold.
func IsText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// CheckText refuses a member that is not text (IsText) with InvalidRequest.
func CheckText(field, s string) error {
	if IsText(s) {
		return nil
	}
	return NotText(field)
}

// NotText is the InvalidRequest error of a member that is not text.
func NotText(field string) *Error {
	return invalid("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must be valid UTF-8 without the NUL character.", field)
}

// runeLen counts characters as AWS length constraints do.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// checkCertificateID validates a certificate ID against the CertificateId shape and
// returns its canonical (lowercase) form: IDs are hex digests, case carries no meaning.
func checkCertificateID(field, id string) (string, error) {
	if id == "" {
		return "", invalid("%s is required.", field)
	}
	if runeLen(id) != 64 || !matchesCertificateIDPattern(id) {
		return "", invalid("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length 64 and satisfy regular expression pattern: (0x)?[a-fA-F0-9]+", clip(id), field)
	}
	if strings.HasPrefix(id, "0x") {
		// "0x" plus 62 hex digits cannot name a SHA-256 certificate ID.
		return "", Errorf(CodeInvalidRequest, "%s must be 64 hexadecimal characters.", field)
	}
	return strings.ToLower(id), nil
}

// checkAccountID validates an AwsAccountId.
func checkAccountID(field, id string) error {
	if id == "" {
		return invalid("%s is required.", field)
	}
	if len(id) != 12 || !matchesAccountIDPattern(id) {
		return invalid("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length 12 and satisfy regular expression pattern: [0-9]+", clip(id), field)
	}
	return nil
}

// checkMessage validates a Message (transferMessage, rejectReason).
func checkMessage(field, s string) error {
	if runeLen(s) > maxMessage {
		return invalid("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, maxMessage)
	}
	return nil
}

// checkPolicyName validates a PolicyName.
func checkPolicyName(name string) error {
	if name == "" {
		return invalid("policyName is required.")
	}
	if runeLen(name) > maxPolicyName || !policyNamePattern.MatchString(name) {
		return invalid("1 validation error detected: Value '%s' at 'policyName' failed to satisfy constraint: Member must have length less than or equal to 128 and satisfy regular expression pattern: [\\w+=,.@-]+", clip(name))
	}
	return nil
}

// checkThingName validates a ThingName.
func checkThingName(field, name string) error {
	if name == "" {
		return invalid("%s is required.", field)
	}
	if runeLen(name) > maxThingName || !thingNamePattern.MatchString(name) {
		return invalid("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to 128 and satisfy regular expression pattern: [a-zA-Z0-9:_-]+", clip(name), field)
	}
	return nil
}

// checkPageSize applies the PageSize / RegistryMaxResults range 1..250 and the default.
func checkPageSize(field string, n *int) (int, error) {
	if n == nil {
		return defaultPageSize, nil
	}
	if *n < 1 || *n > maxPageSize {
		return 0, invalid("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value between 1 and %d", *n, field, maxPageSize)
	}
	return *n, nil
}

// checkTags validates the tags given when a resource is created: each as the Tag shape
// requires, and no more than a resource may have.
func checkTags(tags []Tag) error {
	if len(tags) > maxTagsPerResource {
		return Errorf(CodeInvalidRequest, "A resource can have at most %d tags.", maxTagsPerResource)
	}
	return checkTagEntries(tags)
}

// checkTagKey validates a TagKey.
func checkTagKey(key string) error {
	if key == "" || runeLen(key) > maxTagKey || !tagKeyPattern.MatchString(key) {
		return invalid("Tag key '%s' must be 1 to 128 characters of letters, digits, spaces and _.:/=+-@.", clip(key))
	}
	return nil
}

// checkTagEntries validates each tag as the Tag shape requires, refuses the reserved
// aws: prefix, and refuses a key given twice.
func checkTagEntries(tags []Tag) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if err := checkTagKey(t.Key); err != nil {
			return err
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalid("Tag keys may not start with 'aws:'.")
		}
		if runeLen(t.Value) > maxTagValue {
			return invalid("Tag value for key '%s' must be at most 256 characters.", clip(t.Key))
		}
		if seen[t.Key] {
			return invalid("Tag key '%s' is given more than once.", clip(t.Key))
		}
		seen[t.Key] = true
	}
	return nil
}

// clip shortens client input echoed in messages.
func clip(s string) string {
	if runeLen(s) <= 80 {
		return s
	}
	r := []rune(s)
	return string(r[:77]) + "..."
}
