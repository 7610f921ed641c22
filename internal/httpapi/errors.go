package httpapi

import (
	"errors"
	"net/http"

	"github.com/iotcertd/iotcertd/internal/iot"
	"github.com/iotcertd/iotcertd/internal/sigv4"
)

// errorType is how a domain error code appears on the wire: the AWS exception shape name
// and its HTTP status.
type errorType struct {
	Type   string
	Status int
}

// errorTypes is the one table from domain error code to AWS exception and status. The
// statuses are each shape's error.httpStatusCode in the model (iot-api.md §1.4); note
// ThrottlingException is 400 and LimitExceeded / TransferAlreadyCompleted are 410.
// TestErrorTableMatchesModel checks every entry against the model.
var errorTypes = map[iot.Code]errorType{
	iot.CodeInvalidRequest:             {"InvalidRequestException", http.StatusBadRequest},
	iot.CodeResourceNotFound:           {"ResourceNotFoundException", http.StatusNotFound},
	iot.CodeResourceAlreadyExists:      {"ResourceAlreadyExistsException", http.StatusConflict},
	iot.CodeCertificateState:           {"CertificateStateException", http.StatusNotAcceptable},
	iot.CodeCertificateValidation:      {"CertificateValidationException", http.StatusBadRequest},
	iot.CodeCertificateConflict:        {"CertificateConflictException", http.StatusConflict},
	iot.CodeTransferConflict:           {"TransferConflictException", http.StatusConflict},
	iot.CodeTransferAlreadyCompleted:   {"TransferAlreadyCompletedException", http.StatusGone},
	iot.CodeDeleteConflict:             {"DeleteConflictException", http.StatusConflict},
	iot.CodeVersionConflict:            {"VersionConflictException", http.StatusConflict},
	iot.CodeVersionsLimitExceeded:      {"VersionsLimitExceededException", http.StatusConflict},
	iot.CodeMalformedPolicy:            {"MalformedPolicyException", http.StatusBadRequest},
	iot.CodeLimitExceeded:              {"LimitExceededException", http.StatusGone},
	iot.CodeRegistrationCodeValidation: {"RegistrationCodeValidationException", http.StatusBadRequest},
	iot.CodeUnauthorized:               {"UnauthorizedException", http.StatusUnauthorized},
	iot.CodeThrottling:                 {"ThrottlingException", http.StatusBadRequest},
	iot.CodeServiceUnavailable:         {"ServiceUnavailableException", http.StatusServiceUnavailable},
	iot.CodeInternal:                   {"InternalFailureException", http.StatusInternalServerError},
	// AccessDenied is IAM's, answered by AWS's front end: the IoT model has no such shape
	// (semantics.md §3.2), so the model tests leave it out (outsideModel).
	iot.CodeAccessDenied: {"AccessDeniedException", http.StatusForbidden},
}

// internalMessage is all a client learns of a server-side failure; the cause is logged
// under the request ID instead.
const internalMessage = "An unexpected error has occurred."

// typeResourceAlreadyExists is the one modeled exception with members besides message
// (iot-api.md §1.4: resourceId, resourceArn).
const typeResourceAlreadyExists = "ResourceAlreadyExistsException"

// errorBody is the JSON body of every error. The X-Amzn-ErrorType header is what the
// SDKs read first; __type is the fallback they read when a proxy drops the header
// (iot-api.md §1.4). There is deliberately no "code" member, which SDKs would prefer.
type errorBody struct {
	Type        string `json:"__type"`
	Message     string `json:"message"`
	ResourceID  string `json:"resourceId,omitempty"`
	ResourceARN string `json:"resourceArn,omitempty"`
}

// writeError answers with err and returns the status used. Authentication failures
// (*sigv4.Error) keep their AWS front-end code and 403 status; everything else is
// turned into a domain error and mapped through errorTypes, an unknown error becoming
// InternalFailureException.
func (s *server) writeError(w http.ResponseWriter, reqID, operation string, err error) int {
	var authErr *sigv4.Error
	if errors.As(err, &authErr) {
		status := authErr.Status
		if status < 400 || status > 499 {
			status = http.StatusForbidden
		}
		s.log.Debug("httpapi: authentication failed", "requestId", reqID, "code", authErr.Code, "message", authErr.Message)
		return writeErrorBody(w, status, errorBody{Type: authErr.Code, Message: authErr.Message})
	}

	de := iot.AsError(err)
	et, ok := errorTypes[de.Code]
	if !ok {
		et = errorTypes[iot.CodeInternal]
	}
	body := errorBody{Type: et.Type, Message: de.Message}
	if et.Status >= 500 {
		s.log.Error("httpapi: server error", "requestId", reqID, "operation", operation,
			"code", string(de.Code), "error", err.Error())
		body.Message = internalMessage
	}
	if body.Message == "" {
		body.Message = et.Type
	}
	if et.Type == typeResourceAlreadyExists {
		body.ResourceID, body.ResourceARN = de.ResourceID, de.ResourceARN
	}
	return writeErrorBody(w, et.Status, body)
}

// writeErrorBody writes an error response.
func writeErrorBody(w http.ResponseWriter, status int, body errorBody) int {
	payload, err := encodeJSON(body)
	if err != nil {
		panic("httpapi: encode error: " + err.Error()) // a struct of strings always encodes
	}
	w.Header().Set(headerErrorType, body.Type)
	writeResponse(w, status, payload)
	return status
}
