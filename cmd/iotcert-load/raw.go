package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"net/url"
	"strconv"
	"time"
)

// rawOp is one operation of the raw client: requests recorded from the SDK, sent in order
// on one connection, each of which must be answered 200.
type rawOp struct {
	reqs [][]byte
	// once marks an operation that creates something and so runs only once.
	once bool
}

// runRaw replays script on one keep-alive connection while next allows: the operations in
// order, from the start again at the end unless they run once.
func runRaw(ctx context.Context, c loadConfig, script []rawOp, next func() bool) workerResult {
	var r workerResult
	u, _ := url.Parse(c.Endpoint) // checked by loadConfig.check
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	conn := &rawConn{addr: addr}
	defer conn.close()
	for k := 0; next(); k++ {
		if k >= len(script) && script[0].once {
			return r
		}
		op := script[k%len(script)]
		t0 := time.Now()
		var err error
		for _, req := range op.reqs {
			r.calls++
			if err = conn.roundTrip(ctx, req); err != nil {
				break
			}
		}
		d := time.Since(t0)
		switch {
		case ctx.Err() != nil:
			return r
		case err != nil:
			r.errs++
			if r.firstErr == nil {
				r.firstErr = err
			}
		default:
			r.lat = append(r.lat, d)
		}
	}
	return r
}

// rawConn is one HTTP/1.1 connection that reconnects when the server closes it.
type rawConn struct {
	addr string
	c    net.Conn
	br   *bufio.Reader
}

func (rc *rawConn) close() {
	if rc.c != nil {
		rc.c.Close()
		rc.c = nil
	}
}

// roundTrip sends one request and reads its response; any status but 200 is an error.
func (rc *rawConn) roundTrip(ctx context.Context, req []byte) error {
	if rc.c == nil {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", rc.addr)
		if err != nil {
			return err
		}
		rc.c, rc.br = c, bufio.NewReaderSize(c, 64<<10)
	}
	// A deadline bounds a call to a server that stops answering.
	_ = rc.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := rc.c.Write(req); err != nil {
		rc.close()
		return err
	}
	status, keep, err := readResponse(rc.br)
	if err != nil || !keep {
		rc.close()
	}
	if err != nil {
		return err
	}
	if status != 200 {
		return fmt.Errorf("HTTP status %d", status)
	}
	return nil
}

// readResponse reads one HTTP/1.x response and discards its body. keep reports whether the
// connection may carry another request.
func readResponse(br *bufio.Reader) (status int, keep bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	keep = line[7] == '1' // HTTP/1.1 keeps the connection unless told otherwise
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	length, chunked := -1, false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, false, fmt.Errorf("malformed header %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, false, fmt.Errorf("malformed Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			switch {
			case bytes.EqualFold(value, []byte("close")):
				keep = false
			case bytes.EqualFold(value, []byte("keep-alive")):
				keep = true
			}
		}
	}
	switch {
	case status == 204 || status == 304 || status/100 == 1:
	case chunked:
		if _, err := io.Copy(io.Discard, httputil.NewChunkedReader(br)); err != nil {
			return 0, false, err
		}
		// The trailer section: header lines up to an empty one.
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return 0, false, err
			}
			if len(bytes.TrimRight(line, "\r\n")) == 0 {
				break
			}
		}
	case length >= 0:
		if _, err := br.Discard(length); err != nil {
			return 0, false, err
		}
	default:
		// No length: the body ends with the connection.
		if _, err := io.Copy(io.Discard, br); err != nil {
			return 0, false, err
		}
		return status, false, nil
	}
	if status == 0 {
		return 0, false, errors.New("no status")
	}
	return status, keep, nil
}
