package main

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
)

func TestPprofLoopbackOnly(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, addr := range []string{"0.0.0.0:0", ":0", "10.0.0.1:0", "example.com:0", "nonsense"} {
		if _, stop, err := servePprof(addr, log); err == nil {
			stop()
			t.Errorf("--pprof %s was accepted", addr)
		}
	}
	addr, stop, err := servePprof("127.0.0.1:0", log)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET /debug/pprof/cmdline: %d, %v", resp.StatusCode, err)
	}
}
