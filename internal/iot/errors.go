package iot

import (
	"errors"
	"fmt"
)

// Code is one of the closed set of domain error codes. Each is named after the AWS IoT
// exception that the API promises for it; the HTTP adapter owns the single table that maps
// a Code to the exception name and HTTP status on the wire.
type Code string

// The domain error codes.
const (
	CodeInvalidRequest             Code = "InvalidRequest"
	CodeResourceNotFound           Code = "ResourceNotFound"
	CodeResourceAlreadyExists      Code = "ResourceAlreadyExists"
	CodeCertificateState           Code = "CertificateState"
	CodeCertificateValidation      Code = "CertificateValidation"
	CodeCertificateConflict        Code = "CertificateConflict"
	CodeTransferConflict           Code = "TransferConflict"
	CodeTransferAlreadyCompleted   Code = "TransferAlreadyCompleted"
	CodeDeleteConflict             Code = "DeleteConflict"
	CodeVersionConflict            Code = "VersionConflict"
	CodeVersionsLimitExceeded      Code = "VersionsLimitExceeded"
	CodeMalformedPolicy            Code = "MalformedPolicy"
	CodeLimitExceeded              Code = "LimitExceeded"
	CodeRegistrationCodeValidation Code = "RegistrationCodeValidation"
	CodeUnauthorized               Code = "Unauthorized"
	CodeThrottling                 Code = "Throttling"
	CodeServiceUnavailable         Code = "ServiceUnavailable"
	CodeInternal                   Code = "Internal"
	// CodeAccessDenied is IAM's refusal of an operation the caller's identity policies do
	// not allow. It is answered by AWS's front end, not modelled by AWS IoT.
	CodeAccessDenied Code = "AccessDenied"
)

// Codes lists every domain error code, so that adapters can prove they map each one.
var Codes = []Code{
	CodeInvalidRequest, CodeResourceNotFound, CodeResourceAlreadyExists, CodeCertificateState,
	CodeCertificateValidation, CodeCertificateConflict, CodeTransferConflict,
	CodeTransferAlreadyCompleted, CodeDeleteConflict, CodeVersionConflict, CodeMalformedPolicy,
	CodeLimitExceeded, CodeRegistrationCodeValidation, CodeUnauthorized, CodeThrottling,
	CodeServiceUnavailable, CodeInternal, CodeVersionsLimitExceeded,
	CodeAccessDenied,
}

// Error is a domain error. Message is client-facing AWS-style text; Err is the internal
// cause, which goes to logs only and never to the client.
type Error struct {
	Code    Code
	Message string
	// ResourceID and ResourceARN are set on ResourceAlreadyExists, as AWS returns them.
	ResourceID  string
	ResourceARN string
	Err         error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a domain error with a formatted client-facing message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// internal wraps an unexpected failure; the client sees only a generic message.
func internal(err error) *Error {
	return &Error{Code: CodeInternal, Message: "An unexpected error has occurred.", Err: err}
}

// ErrorCode returns the domain code of err, or CodeInternal for any error that is not a
// domain error (an unexpected failure is a server fault, never the client's).
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// AsError returns err as a domain error, wrapping unexpected errors as CodeInternal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return internal(err)
}
