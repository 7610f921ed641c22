// Package httpapi is the AWS restJson1 binding of iotcertd: it turns HTTP requests, as the
// unmodified AWS SDKs send them, into calls of iot.Service and its results and errors back
// into the responses those SDKs parse (../shared/reference/iot-api.md §1).
//
// Every request takes the same path through ServeHTTP:
//
//  1. a request ID is assigned and set on the response, whatever happens next;
//  2. the body is read whole, with a size cap, because SigV4 hashes it;
//  3. the Authenticator turns the request into an iot.Caller, and the route table names
//     the operation (see identify: the one place a request becomes "who calls what");
//  4. the operation's handler decodes the wire members, calls the service and encodes
//     the result;
//  5. any error, whatever its source, is written by one function from one table.
//
// The one exception is moto's unsigned POST /moto-api/reset, answered before step 2 and
// only when Config.EmulatorReset is set (reset.go).
//
// The package holds no business rules: value validation lives in the domain, and this
// package only decodes wire types.
package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// MaxBodyBytes caps the request body. The largest body member in the model is a policy
// document (404600 characters, iot-api.md §7 CreatePolicy), so 1 MiB leaves room for JSON
// escaping while bounding what an unauthenticated client can make the server buffer.
const MaxBodyBytes = 1 << 20

// Header names. Go writes them in canonical form (X-Amzn-Requestid); header names are
// case-insensitive and every SDK reads them that way (iot-api.md §1.3, §1.4).
const (
	headerRequestID = "X-Amzn-RequestId"
	headerErrorType = "X-Amzn-ErrorType"
	headerPrincipal = "X-Amzn-Principal"
	contentTypeJSON = "application/json"
)

// Config holds what the HTTP adapter needs.
type Config struct {
	// Service is the domain every operation calls. Required.
	Service *iot.Service
	// Auth authenticates every request. Required: there is deliberately no default, so
	// that a server can never end up unauthenticated by omission.
	Auth Authenticator
	// Logger receives request logs and the causes of server-side failures; nil discards.
	Logger *slog.Logger
	// Clock times requests for the logs; nil means time.Now.
	Clock func() time.Time
	// EmulatorReset routes moto's unsigned POST /moto-api/reset, which deletes every
	// certificate, policy and thing. Only for emulator mode: it bypasses authentication.
	EmulatorReset bool
}

// server is the http.Handler New returns.
type server struct {
	svc    *iot.Service
	auth   Authenticator
	log    *slog.Logger
	clock  func() time.Time
	routes *router
	reset  bool
}

// New returns the handler serving the AWS IoT certificate-registry operations listed by
// Operations. It panics when Service or Auth is missing, which is a wiring mistake.
func New(cfg Config) http.Handler {
	if cfg.Service == nil {
		panic("httpapi: Config.Service is required")
	}
	if cfg.Auth == nil {
		panic("httpapi: Config.Auth is required")
	}
	s := &server{svc: cfg.Service, auth: cfg.Auth, log: cfg.Logger, clock: cfg.Clock, routes: defaultRouter, reset: cfg.EmulatorReset}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	return s
}

// call is one authenticated, routed and authorised request: who calls (Caller), what
// (Operation) and the undecoded wire members.
type call struct {
	Caller    iot.Caller
	Operation string
	req       *request
}

// ServeHTTP runs one request through the steps listed in the package documentation.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.clock()
	reqID := newRequestID()
	w.Header().Set(headerRequestID, reqID)
	rw := &responseWriter{ResponseWriter: w}
	operation := ""
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			// net/http's own signal to abort the response; it must keep unwinding.
			panic(v)
		}
		s.log.Error("httpapi: handler panicked", "requestId", reqID, "operation", operation,
			"panic", v, "stack", string(debug.Stack()))
		if !rw.wrote {
			internal := errorTypes[iot.CodeInternal]
			writeErrorBody(rw, internal.Status, errorBody{Type: internal.Type, Message: internalMessage})
		}
	}()

	status := s.serve(rw, r, reqID, &operation)
	s.log.Debug("httpapi: request", "requestId", reqID, "operation", operation, "method", r.Method,
		"path", r.URL.EscapedPath(), "status", status, "duration", s.clock().Sub(start))
}

// serve handles the request and returns the status it answered with.
func (s *server) serve(w *responseWriter, r *http.Request, reqID string, operation *string) int {
	if s.reset && r.URL.EscapedPath() == resetPath {
		*operation = "MotoReset"
		return s.serveReset(w, r, reqID)
	}
	body, err := readBody(w, r)
	if err != nil {
		return s.writeError(w, reqID, "", err)
	}
	c, rt, err := s.identify(r, body)
	if err != nil {
		return s.writeError(w, reqID, "", err)
	}
	*operation = c.Operation
	out, err := rt.handle(s, r.Context(), c)
	if err != nil {
		return s.writeError(w, reqID, c.Operation, err)
	}
	return writeOutput(w, out)
}

// identify is the single place where a request becomes an authenticated caller plus the
// operation it asks for, authorised by the caller's IAM policies (authorize.go) before
// anything reads or changes a resource. Authentication comes first, so an unauthenticated
// probe of an unknown path gets 403 as from AWS's front end, not 404 (iot-api.md §1.4).
func (s *server) identify(r *http.Request, body []byte) (*call, *route, error) {
	caller, err := s.auth.Authenticate(r, body)
	if err != nil {
		return nil, nil, err
	}
	rt, labels := s.routes.match(r.Method, r.URL.EscapedPath())
	if rt == nil {
		return nil, nil, iot.Errorf(iot.CodeResourceNotFound, "Not Found")
	}
	req := &request{labels: labels, header: r.Header, host: requestHost(r), rawQuery: r.URL.RawQuery, body: body}
	if err := req.checkText(); err != nil {
		return nil, nil, err
	}
	c := &call{Caller: caller, Operation: rt.op.Name, req: req}
	if err := s.authorize(r.Context(), c); err != nil {
		return nil, nil, err
	}
	return c, rt, nil
}

// readBody reads the whole body, refusing more than MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, iot.Errorf(iot.CodeInvalidRequest, "The request body must be at most %d bytes.", MaxBodyBytes)
		}
		return nil, iot.Errorf(iot.CodeInvalidRequest, "The request body could not be read.")
	}
	return body, nil
}

// writeOutput answers 200. A nil output is an operation without an output shape, which
// AWS answers with an empty body; anything else is its JSON object (iot-api.md §1.3).
func writeOutput(w http.ResponseWriter, out any) int {
	var payload []byte
	if out != nil {
		var err error
		if payload, err = encodeJSON(out); err != nil {
			// Output types are this package's own structs; failing to encode one is a bug.
			panic("httpapi: encode output: " + err.Error())
		}
	}
	writeResponse(w, http.StatusOK, payload)
	return http.StatusOK
}

// writeResponse writes a complete JSON response.
func writeResponse(w http.ResponseWriter, status int, payload []byte) {
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(payload)))
	w.WriteHeader(status)
	_, _ = w.Write(payload)
}

// encodeJSON marshals v without HTML escaping, so that policy documents and PEMs come
// back byte for byte as stored. A shape that writes its own JSON (jsonAppender) does.
func encodeJSON(v any) ([]byte, error) {
	if a, ok := v.(jsonAppender); ok {
		return a.appendJSON(nil), nil
	}
	return reflectJSON(v)
}

// reflectJSON is encodeJSON through encoding/json, for every shape.
func reflectJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// responseWriter remembers whether a response was started, so that a panic after that
// point does not try to write a second one.
type responseWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *responseWriter) WriteHeader(status int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// newRequestID returns a random RFC 4122 version 4 UUID, the form AWS request IDs take.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// handlerFunc is one operation: decode the call, invoke the service, return the output
// (nil for "no output shape") or an error.
type handlerFunc func(s *server, ctx context.Context, c *call) (any, error)
