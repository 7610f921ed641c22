package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iot"
)

// env is what a workload runs with: the configuration and an IoT client per account.
type env struct {
	cfg loadConfig
	// a is the client of the main account; b of the second (transfer).
	a, b *iot.Client
}

// newEnv returns clients of both accounts that send their requests with hc.
func newEnv(c loadConfig, hc iot.HTTPClient) *env {
	client := func(key, secret string) *iot.Client {
		return iot.New(iot.Options{
			Region:       c.Region,
			BaseEndpoint: aws.String(c.Endpoint),
			Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
			// Every call is one request: a retried call would hide errors and skew latency.
			Retryer:    aws.NopRetryer{},
			HTTPClient: hc,
		})
	}
	return &env{cfg: c, a: client(c.AccessKey, c.SecretKey), b: client(c.TargetKey, c.TargetSec)}
}

// httpClient returns the HTTP client of the SDK clients: one idle connection kept per
// worker, so that connections are reused as a long-lived client's would be.
func httpClient(concurrency int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        2 * concurrency,
			MaxIdleConnsPerHost: 2 * concurrency,
			IdleConnTimeout:     time.Minute,
		},
	}
}

// workload is one kind of load. Operation i of worker w is deterministic in (w, i) and
// never depends on an earlier answer, so that the raw client can record a worker's
// operations once, through the SDK, and replay them.
type workload interface {
	// setup prepares the fixtures of the run (certificates, pages) through e.
	setup(ctx context.Context, e *env) error
	// do runs operation i of worker w: one or more calls.
	do(ctx context.Context, e *env, w, i int) error
	// cycle returns how many operations make up worker w's script: the raw client
	// replays them in a loop, or only once when once is set (each creates something).
	cycle(w int) (n int, once bool)
	// verify, after the run, checks what the server holds against the operations that
	// succeeded, and describes the result; "" when there is nothing to check.
	verify(ctx context.Context, e *env, done int) string
}

// errExhausted stops a worker that has used up the fixtures prepared for it.
var errExhausted = errors.New("prepared fixtures used up")

// workerResult is what one worker measured.
type workerResult struct {
	lat      []time.Duration
	calls    int
	errs     int
	firstErr error
}

// execute prepares the workload, runs it and summarises the run.
func execute(ctx context.Context, c loadConfig, w workload, stderr io.Writer) (Summary, error) {
	hc := httpClient(c.Concurrency)
	e := newEnv(c, hc)
	setupStart := time.Now()
	if err := w.setup(ctx, e); err != nil {
		return Summary{}, fmt.Errorf("setup: %w", err)
	}
	var scripts [][]rawOp
	if c.Client == "raw" {
		var err error
		if scripts, err = record(ctx, c, w); err != nil {
			return Summary{}, fmt.Errorf("record requests: %w", err)
		}
	}
	fmt.Fprintf(stderr, "iotcert-load: %s: setup took %v\n", c.Label, time.Since(setupStart).Round(time.Millisecond))
	if err := warmUp(ctx, e, c.Concurrency, c.Warmup); err != nil {
		return Summary{}, fmt.Errorf("warm-up: %w", err)
	}

	profileDone := make(chan error, 1)
	if c.Profile != "" {
		go func() { profileDone <- fetchProfile(ctx, c) }()
	} else {
		profileDone <- nil
	}
	serverBefore, serverErr := time.Duration(0), error(nil)
	if c.PID > 0 {
		serverBefore, serverErr = procCPU(c.PID)
		if serverErr != nil {
			return Summary{}, fmt.Errorf("-pid: %w", serverErr)
		}
	}
	selfBefore := selfCPU()
	start := time.Now()
	deadline := start.Add(c.Duration)
	runCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var issued atomic.Int64
	next := func() bool {
		if c.N > 0 && issued.Add(1) > int64(c.N) {
			return false
		}
		return time.Now().Before(deadline) && runCtx.Err() == nil
	}
	results := make([]workerResult, c.Concurrency)
	var wg sync.WaitGroup
	for wi := range c.Concurrency {
		wg.Go(func() {
			if scripts != nil {
				results[wi] = runRaw(runCtx, c, scripts[wi], next)
			} else {
				results[wi] = runSDK(runCtx, e, w, wi, next)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	selfUsed := selfCPU() - selfBefore
	var serverUsed time.Duration
	if c.PID > 0 {
		after, err := procCPU(c.PID)
		if err != nil {
			return Summary{}, fmt.Errorf("-pid: %w", err)
		}
		serverUsed = after - serverBefore
	}

	if err := <-profileDone; err != nil {
		fmt.Fprintf(stderr, "iotcert-load: %s: server profile: %v\n", c.Label, err)
	}
	s := Summary{Label: c.Label, Workload: c.Workload, Client: c.Client, Concurrency: c.Concurrency}
	var lat []time.Duration
	for _, r := range results {
		lat = append(lat, r.lat...)
		s.Calls += r.calls
		s.Errors += r.errs
		if r.firstErr != nil && s.FirstError == "" {
			s.FirstError = r.firstErr.Error()
		}
	}
	s = summarize(s, lat, elapsed)
	if s.Ops > 0 {
		s.ClientCPUus = float64(selfUsed.Microseconds()) / float64(s.Ops)
		if c.PID > 0 {
			s.ServerCPUus = float64(serverUsed.Microseconds()) / float64(s.Ops)
		}
	}
	if c.PID > 0 {
		if rss, err := procRSS(c.PID); err == nil {
			s.ServerRSSMB = float64(rss) / (1 << 20)
		}
	}
	if note := w.verify(ctx, e, s.Ops); note != "" {
		fmt.Fprintf(stderr, "iotcert-load: %s: %s\n", c.Label, note)
	}
	return s, nil
}

// warmUp makes n ListCertificates calls (page size 1) from each of concurrency clients at
// once, before the measured run.
func warmUp(ctx context.Context, e *env, concurrency, n int) error {
	if n == 0 {
		return nil
	}
	errs := make([]error, concurrency)
	var wg sync.WaitGroup
	for wi := range concurrency {
		wg.Go(func() {
			for range n {
				if _, err := e.a.ListCertificates(ctx, &iot.ListCertificatesInput{PageSize: aws.Int32(1)}); err != nil {
					errs[wi] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// runSDK runs worker wi's operations through the SDK while next allows.
func runSDK(ctx context.Context, e *env, w workload, wi int, next func() bool) workerResult {
	var r workerResult
	calls := &callCounter{}
	ctx = context.WithValue(ctx, callCounterKey{}, calls)
	for i := 0; next(); i++ {
		t0 := time.Now()
		err := w.do(ctx, e, wi, i)
		d := time.Since(t0)
		switch {
		case errors.Is(err, errExhausted):
			r.calls = calls.n
			return r
		case ctx.Err() != nil:
			// The run ended during the call: it is neither a success nor an error.
			r.calls = calls.n
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
	r.calls = calls.n
	return r
}

// callCounter counts the calls of one worker; workloads add to it with countCall.
type callCounter struct{ n int }

type callCounterKey struct{}

// countCall records one call in the counter of ctx, if any.
func countCall(ctx context.Context) {
	if c, ok := ctx.Value(callCounterKey{}).(*callCounter); ok {
		c.n++
	}
}

// record runs each worker's script through the SDK against a recorder, which keeps the
// signed requests instead of sending them.
func record(ctx context.Context, c loadConfig, w workload) ([][]rawOp, error) {
	scripts := make([][]rawOp, c.Concurrency)
	for wi := range c.Concurrency {
		rec := &recorder{}
		e := newEnv(c, rec)
		n, once := w.cycle(wi)
		for i := range n {
			rec.current = nil
			if err := w.do(ctx, e, wi, i); err != nil {
				if errors.Is(err, errExhausted) {
					break
				}
				return nil, err
			}
			scripts[wi] = append(scripts[wi], rawOp{reqs: rec.current, once: once})
		}
		if len(scripts[wi]) == 0 {
			return nil, fmt.Errorf("worker %d has nothing to do", wi)
		}
	}
	return scripts, nil
}

// recorder is an SDK HTTP client that keeps each request's bytes as they would go on the
// wire and answers 200 with an empty JSON object.
type recorder struct {
	current [][]byte
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	var b bytes.Buffer
	if err := req.Write(&b); err != nil {
		return nil, err
	}
	r.current = append(r.current, b.Bytes())
	return &http.Response{
		StatusCode:    http.StatusOK,
		Status:        "200 OK",
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader("{}")),
		ContentLength: 2,
		Request:       req,
	}, nil
}

// fetchProfile saves a CPU profile of the server, over all but the last second of the run,
// from its net/http/pprof endpoint.
func fetchProfile(ctx context.Context, c loadConfig) error {
	seconds := int((c.Duration - time.Second) / time.Second)
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", c.Profile, seconds)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: c.Duration + 30*time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return os.WriteFile(c.ProfileOut, b, 0o644)
}

// selfCPU returns the CPU time (user plus system) this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// jsonLine returns s as one line of JSON.
func jsonLine(s Summary) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a struct of numbers and strings
	}
	return string(b)
}
