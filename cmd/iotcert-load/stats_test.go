package main

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	thousand := make([]int, 1000)
	for i := range thousand {
		thousand[i] = i + 1
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value, p50", ms(7), 50, 7 * time.Millisecond},
		{"one value, p99.9", ms(7), 99.9, 7 * time.Millisecond},
		{"odd count median", ms(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"even count p50 is the lower middle", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p100 is the maximum", ms(1, 2, 3, 4), 100, 4 * time.Millisecond},
		{"tiny p is the minimum", ms(1, 2, 3, 4), 0.001, 1 * time.Millisecond},
		{"1..100 p99", ms(hundred...), 99, 99 * time.Millisecond},
		{"1..100 p99.9 is the maximum", ms(hundred...), 99.9, 100 * time.Millisecond},
		{"1..1000 p99.9", ms(thousand...), 99.9, 999 * time.Millisecond},
		{"1..1000 p50", ms(thousand...), 50, 500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.p); got != tc.want {
				t.Errorf("percentile(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	lat := []time.Duration{5 * time.Millisecond, time.Millisecond, 3 * time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond}
	s := summarize(Summary{Label: "x"}, lat, 2*time.Second)
	if s.Ops != 5 || s.OpsPerSec != 2.5 || s.P50ms != 3 || s.P99ms != 5 || s.MaxMs != 5 {
		t.Errorf("summary %+v", s)
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		v    []float64
		want float64
	}{
		{nil, 0}, {[]float64{4}, 4}, {[]float64{9, 1, 5}, 5}, {[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(tc.v); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestReportMedians(t *testing.T) {
	in := strings.Join([]string{
		`{"label":"a","ops_per_sec":100,"p99_ms":3}`,
		`not json, a human line`,
		`{"label":"b","ops_per_sec":10}`,
		`{"label":"a","ops_per_sec":300,"p99_ms":1}`,
		`{"label":"a","ops_per_sec":200,"p99_ms":2}`,
	}, "\n")
	rows, err := medians(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Label != "a" || rows[1].Label != "b" {
		t.Fatalf("rows %+v", rows)
	}
	if rows[0].Runs != 3 || rows[0].OpsPerSec != 200 || rows[0].P99ms != 2 {
		t.Errorf("medians of a: %+v", rows[0])
	}
}

func TestParseProcStat(t *testing.T) {
	// The command name may hold spaces and parentheses; fields are counted after the last ')'.
	line := "4242 (iotcertd (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 9 0 100 1000000 500 18446744073709551615\n"
	got, err := parseProcStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if want := 3 * time.Second; got != want {
		t.Errorf("CPU %v, want %v (300 ticks)", got, want)
	}
	for _, bad := range []string{"", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 a b c d"} {
		if _, err := parseProcStat([]byte(bad)); err == nil {
			t.Errorf("parseProcStat(%q) succeeded", bad)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, tc := range []struct {
		endpoint string
		ok       bool
	}{
		{"http://127.0.0.1:8780", true},
		{"http://127.0.0.1:8780/", true},
		{"http://127.1.2.3:80", true},
		{"http://[::1]:8780", true},
		{"http://localhost:8780", true},
		{"http://LOCALHOST:8780", true},
		{"https://127.0.0.1:8780", false},
		{"http://10.0.0.1:8780", false},
		{"http://192.168.1.1", false},
		{"http://172.16.0.1:80", false},
		{"http://8.8.8.8", false},
		{"http://[::ffff:8.8.8.8]:80", false},
		{"http://0.0.0.0:8780", false},
		{"http://example.com", false},
		{"http://localhost.example.com:80", false},
		{"http://127.0.0.1.nip.io:80", false},
		{"http://user@127.0.0.1:80", false},
		{"http://127.0.0.1:80/path", false},
		{"127.0.0.1:8780", false},
		{"", false},
	} {
		err := checkLoopback(tc.endpoint)
		if (err == nil) != tc.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok %v", tc.endpoint, err, tc.ok)
		}
	}
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:0", true}, {"[::1]:8790", true}, {"localhost:8790", true},
		{":8790", false}, {"0.0.0.0:8790", false}, {"10.1.1.1:8790", false}, {"127.0.0.1", false},
	} {
		if err := checkLoopbackAddr(tc.addr); (err == nil) != tc.ok {
			t.Errorf("checkLoopbackAddr(%q) = %v, want ok %v", tc.addr, err, tc.ok)
		}
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	var out, errOut strings.Builder
	err := run(t.Context(), []string{"-endpoint", "http://10.0.0.1:8780", "describe"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("run against 10.0.0.1: %v", err)
	}
	err = run(t.Context(), []string{"sigv4-server", "-addr", "0.0.0.0:0"}, &out, &errOut)
	if err == nil {
		t.Errorf("sigv4-server on 0.0.0.0 started")
	}
}

func TestReadResponse(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         string
		status     int
		keep       bool
		restLength int
	}{
		{"content length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}NEXT", 200, true, 4},
		{"close", "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 404, false, 0},
		{"http/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc", 200, false, 0},
		{"http/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabcX", 200, true, 1},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nNEXT", 200, true, 4},
		{"until close", "HTTP/1.1 200 OK\r\n\r\nbody to the end", 200, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(tc.in))
			status, keep, err := readResponse(br)
			if err != nil || status != tc.status || keep != tc.keep {
				t.Fatalf("readResponse = %d, %v, %v; want %d, %v", status, keep, err, tc.status, tc.keep)
			}
			if br.Buffered() != tc.restLength {
				t.Errorf("%d bytes left after the response, want %d", br.Buffered(), tc.restLength)
			}
		})
	}
	if _, _, err := readResponse(bufio.NewReader(strings.NewReader("garbage\r\n"))); err == nil {
		t.Errorf("a malformed status line was accepted")
	}
}
