package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/iotcertd/iotcertd/internal/sigv4"
)

// runSigV4Server serves the ceiling of this machine: an HTTP server that does what any
// AWS-compatible endpoint must (read the body, verify the SigV4 signature with
// internal/sigv4, assign a request ID) and answers every request with a canned response of
// the size of iotcertd's, without any registry behind it.
func runSigV4Server(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sigv4-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8790", "listen address; loopback only")
	secret := fs.String("secret-key", defaultSecret, "secret key of every access key")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if err := checkLoopbackAddr(*addr); err != nil {
		return err
	}
	h, err := newCannedServer(*secret)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "sigv4-server listening on %s (pid %d)\n", ln.Addr(), os.Getpid())
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// cannedServer verifies signatures and answers with prepared bodies.
type cannedServer struct {
	secret   string
	verifier sigv4.Verifier
	// describe, register and list are the bodies of DescribeCertificate,
	// RegisterCertificateWithoutCA (and CreateKeysAndCertificate) and ListCertificates.
	describe, register, list []byte
}

func newCannedServer(secret string) (*cannedServer, error) {
	der, err := newCertFactory().der(0)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	id := hex.EncodeToString(sum[:])
	arn := "arn:aws:iot:us-east-1:111111111111:cert/" + id
	pemText := "-----BEGIN CERTIFICATE-----\n" + strings.Repeat("A", 600) + "\n-----END CERTIFICATE-----\n"
	now := float64(time.Now().Unix())
	marshal := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return b
	}
	s := &cannedServer{secret: secret}
	s.describe = marshal(map[string]any{"certificateDescription": map[string]any{
		"certificateArn": arn, "certificateId": id, "status": "INACTIVE", "certificatePem": pemText,
		"ownedBy": "111111111111", "creationDate": now, "lastModifiedDate": now, "customerVersion": 1,
		"generationId": "7a8f0f4e-4c38-4d3b-9f6e-0d6c1f1e2a3b", "certificateMode": "SNI_ONLY",
		"validity":     map[string]any{"notBefore": now, "notAfter": now + 365*86400},
		"transferData": map[string]any{},
	}})
	s.register = marshal(map[string]any{"certificateArn": arn, "certificateId": id})
	var page []map[string]any
	for range 50 {
		page = append(page, map[string]any{"certificateArn": arn, "certificateId": id, "status": "INACTIVE",
			"certificateMode": "SNI_ONLY", "creationDate": now})
	}
	s.list = marshal(map[string]any{"certificates": page, "nextMarker": "AAAA"})
	return s, nil
}

func (s *cannedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-RequestId", randomUUID())
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		s.fail(w, http.StatusBadRequest, "InvalidRequestException", "The request body could not be read.")
		return
	}
	a, err := sigv4.Parse(r)
	if err == nil {
		err = sigv4.CheckTime(a, time.Now())
	}
	if err == nil {
		err = s.verifier.Verify(r, body, a, s.secret)
	}
	if err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) {
			s.fail(w, se.Status, se.Code, se.Message)
			return
		}
		s.fail(w, http.StatusInternalServerError, "InternalFailureException", "internal failure")
		return
	}
	out := s.describe
	switch {
	case r.Method == http.MethodPost:
		out = s.register
	case r.Method == http.MethodGet && r.URL.Path == "/certificates":
		out = s.list
	case r.Method == http.MethodPut || r.Method == http.MethodPatch:
		out = nil
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

func (s *cannedServer) fail(w http.ResponseWriter, status int, code, message string) {
	b, _ := json.Marshal(map[string]string{"message": message})
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
