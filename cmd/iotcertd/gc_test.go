package main

import (
	"runtime/debug"
	"testing"
)

// TestSetGCPercent: the server sets its GC target unless GOGC chose one.
func TestSetGCPercent(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	setGCPercent("")
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Fatalf("without GOGC the GC target is %d, want %d", got, serveGCPercent)
	}
	setGCPercent("50")
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("with GOGC set the GC target was changed to %d", got)
	}
}
