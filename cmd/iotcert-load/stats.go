package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the nearest-rank
// method: the smallest value such that at least p percent of the values are at or below
// it. It returns 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// The epsilon keeps binary rounding (99.9/100*1000 is 999.0000000000001) from
	// moving the rank up by one.
	rank := int(math.Ceil(p/100*float64(len(sorted)) - 1e-9))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Summary is the outcome of one run, as printed and as written with -json.
type Summary struct {
	Label       string  `json:"label"`
	Workload    string  `json:"workload"`
	Client      string  `json:"client"`
	Concurrency int     `json:"concurrency"`
	Ops         int     `json:"ops"`
	Calls       int     `json:"calls"`
	Errors      int     `json:"errors"`
	Seconds     float64 `json:"seconds"`
	OpsPerSec   float64 `json:"ops_per_sec"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	P999ms      float64 `json:"p999_ms"`
	MaxMs       float64 `json:"max_ms"`
	// ServerCPUus is the server's CPU time (user+system) per operation in microseconds,
	// when its pid was given; ClientCPUus is this process's.
	ServerCPUus float64 `json:"server_cpu_us_per_op,omitempty"`
	ClientCPUus float64 `json:"client_cpu_us_per_op"`
	// ServerRSSMB is the server's resident set size at the end of the run, in MiB.
	ServerRSSMB float64 `json:"server_rss_mb,omitempty"`
	// FirstError is one error message, to tell what went wrong.
	FirstError string `json:"first_error,omitempty"`
}

// summarize computes the summary of a run from its latencies (which it sorts).
func summarize(s Summary, lat []time.Duration, elapsed time.Duration) Summary {
	slices.Sort(lat)
	s.Ops = len(lat)
	s.Seconds = elapsed.Seconds()
	if elapsed > 0 {
		s.OpsPerSec = float64(s.Ops) / elapsed.Seconds()
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	s.P50ms = ms(percentile(lat, 50))
	s.P99ms = ms(percentile(lat, 99))
	s.P999ms = ms(percentile(lat, 99.9))
	if len(lat) > 0 {
		s.MaxMs = ms(lat[len(lat)-1])
	}
	return s
}

// String formats a summary for people.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s, %s client, concurrency %d: %d ops (%d calls) in %.2fs = %.0f ops/s; latency p50 %.3fms p99 %.3fms p99.9 %.3fms max %.3fms; errors %d",
		s.Label, s.Workload, s.Client, s.Concurrency, s.Ops, s.Calls, s.Seconds, s.OpsPerSec, s.P50ms, s.P99ms, s.P999ms, s.MaxMs, s.Errors)
	if s.ServerCPUus > 0 {
		fmt.Fprintf(&b, "; server CPU %.1fµs/op", s.ServerCPUus)
	}
	fmt.Fprintf(&b, "; client CPU %.1fµs/op", s.ClientCPUus)
	if s.ServerRSSMB > 0 {
		fmt.Fprintf(&b, "; server RSS %.0f MiB", s.ServerRSSMB)
	}
	if s.FirstError != "" {
		fmt.Fprintf(&b, "\n  first error: %s", s.FirstError)
	}
	return b.String()
}

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat. It is 100 on every
// Linux architecture Go supports; sysconf(_SC_CLK_TCK) would need cgo.
const clockTicks = 100

// procCPU returns the user plus system CPU time a process has used, from /proc/PID/stat.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseProcStat(b)
}

// parseProcStat reads utime and stime (fields 14 and 15) of a /proc/PID/stat line. The
// second field, the command name in parentheses, may itself hold spaces and parentheses,
// so the fields are counted after its last ')'.
func parseProcStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("/proc stat: no command name")
	}
	// After ')': field 3 (state) onwards.
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("/proc stat: too few fields")
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc stat: %w", err)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// procRSS returns a process's resident set size in bytes, from /proc/PID/status.
func procRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "kB" {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, err
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("/proc status: no VmRSS")
}

// checkLoopback refuses an endpoint that is not an http URL of a loopback address: the
// load generator sends traffic to this machine only. A host name must be "localhost" and
// resolve to loopback addresses only.
func checkLoopback(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("endpoint %q: %w", endpoint, err)
	}
	if u.Scheme != "http" {
		return fmt.Errorf("endpoint %q: only http:// endpoints on loopback are supported", endpoint)
	}
	if u.User != nil || u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return fmt.Errorf("endpoint %q: give scheme, host and port only", endpoint)
	}
	return checkLoopbackHost(u.Hostname())
}

// checkLoopbackAddr is checkLoopback for a HOST:PORT listen or dial address.
func checkLoopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	return checkLoopbackHost(host)
}

func checkLoopbackHost(host string) error {
	if host == "" {
		return errors.New("no host: give a loopback address such as 127.0.0.1")
	}
	if ip := net.ParseIP(host); ip != nil {
		if !ip.IsLoopback() {
			return fmt.Errorf("%s is not a loopback address: iotcert-load only drives servers on this machine", host)
		}
		return nil
	}
	if !strings.EqualFold(host, "localhost") {
		return fmt.Errorf("host %q: use a loopback IP address or localhost", host)
	}
	addrs, err := net.LookupHost(host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("localhost resolves to %s, which is not a loopback address", a)
		}
	}
	return nil
}
