package iot

import (
	"encoding/hex"
	"testing"
	"time"
)

// TestRecordIDsFollowCreation checks that record IDs are 16 bytes of hex that order as their
// creation times do, and that IDs made in the same millisecond differ.
func TestRecordIDsFollowCreation(t *testing.T) {
	base := time.UnixMilli(1_764_900_000_000)
	seen := map[string]bool{}
	prev := ""
	for i := range 1000 {
		now := base.Add(time.Duration(i/10) * time.Millisecond)
		id := newRecordID(now)
		b, err := hex.DecodeString(id)
		if err != nil || len(b) != 16 {
			t.Fatalf("record ID %q is not 16 bytes of hex", id)
		}
		var ms int64
		for _, x := range b[:6] {
			ms = ms<<8 | int64(x)
		}
		if ms != now.UnixMilli() {
			t.Errorf("record ID %q starts with %d, want the creation time %d", id, ms, now.UnixMilli())
		}
		if seen[id] {
			t.Fatalf("record ID %q made twice", id)
		}
		seen[id] = true
		if i%10 == 0 && id <= prev {
			t.Errorf("record ID %q of a later millisecond does not sort after %q", id, prev)
		}
		prev = id
	}
}
