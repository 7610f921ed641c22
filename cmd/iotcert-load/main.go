// Command iotcert-load is the load generator of iotcertd. It drives an AWS IoT certificate
// registry endpoint on this machine (iotcertd, moto, or its own bare SigV4 server) with
// the real aws-sdk-go-v2 IoT client, or replays SDK-signed requests over raw HTTP so that
// the client costs little next to the server, and reports throughput, latency
// percentiles, errors and the server's CPU time per operation.
//
// Usage:
//
//	iotcert-load [flags] WORKLOAD      run a workload against -endpoint
//	iotcert-load seed [flags]          write certificates straight into a data directory
//	iotcert-load sigv4-server [flags]  serve canned answers behind SigV4 verification only
//	iotcert-load report [flags] FILE   median table of the JSON lines written by -json
//
// Workloads: describe, list, create-keys, register, update, transfer, mixed. Every run
// is bounded by -duration (and -n operations, when given), and only loopback endpoints
// are accepted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

const usage = `iotcert-load: load generator for AWS IoT certificate-registry endpoints on loopback

Usage:
  iotcert-load [flags] WORKLOAD       WORKLOAD: describe, list, create-keys, register, update, transfer, mixed
  iotcert-load seed --data DIR [flags]
  iotcert-load sigv4-server [flags]
  iotcert-load report FILE.jsonl

Run "iotcert-load -h", "iotcert-load seed -h" ... for the flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "iotcert-load:", err)
		}
		os.Exit(2)
	}
}

var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "seed":
			return runSeed(ctx, args[1:], stdout, stderr)
		case "sigv4-server":
			return runSigV4Server(ctx, args[1:], stdout, stderr)
		case "report":
			return runReport(args[1:], stdout, stderr)
		case "help":
			fmt.Fprint(stdout, usage)
			return nil
		}
	}
	return runLoad(ctx, args, stdout, stderr)
}

// maxDuration bounds every run; the raw client's signed requests are valid for 15 minutes.
const maxDuration = 10 * time.Minute

// loadConfig is the command line of a load run.
type loadConfig struct {
	Endpoint    string
	Region      string
	AccessKey   string
	SecretKey   string
	Account     string
	TargetKey   string
	TargetSec   string
	TargetAcct  string
	N           int
	Duration    time.Duration
	Concurrency int
	Client      string
	PID         int
	Certs       int
	PageSize    int
	Pages       int
	Label       string
	JSON        bool
	Profile     string
	ProfileOut  string
	Warmup      int
	Workload    string
}

func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("iotcert-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage+"\nFlags of a workload run:\n")
		fs.PrintDefaults()
	}
	var c loadConfig
	fs.StringVar(&c.Endpoint, "endpoint", "http://127.0.0.1:8780", "endpoint URL; loopback addresses only")
	fs.StringVar(&c.Region, "region", "us-east-1", "region of the credential scope")
	fs.StringVar(&c.AccessKey, "access-key", "111111111111", "access key ID; in iotcertd's emulator mode a 12-digit key is the account")
	fs.StringVar(&c.SecretKey, "secret-key", defaultSecret, "secret access key (any value in emulator mode)")
	fs.StringVar(&c.Account, "account", "", "account ID of -access-key (default: the key itself when it is 12 digits)")
	fs.StringVar(&c.TargetKey, "target-access-key", "222222222222", "transfer: access key of the second account")
	fs.StringVar(&c.TargetSec, "target-secret-key", defaultSecret, "transfer: secret key of the second account")
	fs.StringVar(&c.TargetAcct, "target-account", "", "transfer: account ID of the second account (default: its key when 12 digits)")
	fs.IntVar(&c.N, "n", 0, "stop after this many operations (0: only -duration bounds the run)")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "stop after this long (at most 10m)")
	fs.IntVar(&c.Concurrency, "concurrency", 16, "concurrent clients")
	fs.StringVar(&c.Client, "client", "sdk", "sdk: aws-sdk-go-v2 for every call; raw: replay SDK-signed requests over raw HTTP/1.1 (the client costs little)")
	fs.IntVar(&c.PID, "pid", 0, "server process ID: report its CPU time per operation (from /proc/PID/stat)")
	fs.IntVar(&c.Certs, "certs", 0, "certificates to register (or, for register, to prepare) before the run (0: the workload's default)")
	fs.IntVar(&c.PageSize, "page-size", 50, "list: page size")
	fs.IntVar(&c.Pages, "pages", 100, "list: pages of the listing, from the top, that the run cycles through")
	fs.StringVar(&c.Label, "label", "", "label of the result (default: the workload)")
	fs.BoolVar(&c.JSON, "json", false, "also print the result as one JSON line")
	fs.StringVar(&c.Profile, "server-pprof", "", "the server's --pprof address (loopback HOST:PORT): fetch a CPU profile of the run, after setup")
	fs.StringVar(&c.ProfileOut, "server-pprof-out", "cpu.prof", "where -server-pprof writes the profile")
	fs.IntVar(&c.Warmup, "warmup", 0, "SDK client: before the run, every client makes this many ListCertificates calls (page size 1), not counted, so that connection set-up and the client's first-call costs are not measured")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	c.Workload = fs.Arg(0)
	if c.Label == "" {
		c.Label = c.Workload
	}
	if err := c.check(); err != nil {
		return err
	}
	w, err := newWorkload(c)
	if err != nil {
		return err
	}
	s, err := execute(ctx, c, w, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, s)
	if c.JSON {
		fmt.Fprintln(stdout, jsonLine(s))
	}
	return nil
}

func (c *loadConfig) check() error {
	if err := checkLoopback(c.Endpoint); err != nil {
		return err
	}
	c.Endpoint = strings.TrimSuffix(c.Endpoint, "/")
	switch {
	case c.Duration <= 0 || c.Duration > maxDuration:
		return fmt.Errorf("-duration must be in (0, %v]", maxDuration)
	case c.N < 0:
		return errors.New("-n must not be negative")
	case c.Concurrency < 1 || c.Concurrency > 1024:
		return errors.New("-concurrency must be in [1, 1024]")
	case c.Client != "sdk" && c.Client != "raw":
		return errors.New("-client is sdk or raw")
	case c.Warmup < 0 || c.Warmup > 100:
		return errors.New("-warmup must be in [0, 100]")
	case c.Warmup > 0 && c.Client != "sdk":
		return errors.New("-warmup is for the SDK client")
	case c.PageSize < 1 || c.PageSize > 250:
		return errors.New("-page-size must be in [1, 250]")
	case c.Pages < 1 || c.Pages > 10000:
		return errors.New("-pages must be in [1, 10000]")
	case c.Certs < 0 || c.Certs > 1_000_000:
		return errors.New("-certs must be in [0, 1000000]")
	}
	if c.Profile != "" {
		if err := checkLoopbackAddr(c.Profile); err != nil {
			return fmt.Errorf("-server-pprof: %w", err)
		}
		if c.Duration < 2*time.Second {
			return errors.New("-server-pprof needs -duration of at least 2s")
		}
	}
	if c.Account == "" {
		c.Account = accountOf(c.AccessKey)
	}
	if c.TargetAcct == "" {
		c.TargetAcct = accountOf(c.TargetKey)
	}
	return nil
}

// accountOf returns the account of an access key in emulator mode: the key when it is 12
// digits, else the emulator's default account.
func accountOf(key string) string {
	if len(key) == 12 && strings.Trim(key, "0123456789") == "" {
		return key
	}
	return "123456789012"
}

// defaultSecret is the secret key used when none is given; iotcert-load's bare SigV4
// server verifies against it.
const defaultSecret = "iotcert-load-secret-key-not-a-secret"
