package secrets

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	s, err := LoadOrCreate(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal([]byte("secret"), []byte("AKIAEXAMPLE"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := s.Open(sealed, []byte("AKIAEXAMPLE"))
	if err != nil || string(got) != "secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open(sealed, []byte("AKIAOTHER")); err == nil {
		t.Fatal("Open with other associated data succeeded")
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	if _, err := s.Open(tampered, []byte("AKIAEXAMPLE")); err == nil {
		t.Fatal("Open of a tampered value succeeded")
	}
	if _, err := s.Open([]byte{1, 2}, nil); err == nil {
		t.Fatal("Open of a short value succeeded")
	}
}

func TestMasterKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "master.key")
	// Several processes may start on one data directory at once: all must agree on one key.
	var wg sync.WaitGroup
	sealers := make([]*Sealer, 8)
	errs := make([]error, 8)
	for i := range sealers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sealers[i], errs[i] = LoadOrCreate(path)
		}()
	}
	wg.Wait()
	sealed, err := sealers[0].Seal([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range sealers {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if _, err := s.Open(sealed, nil); err != nil {
			t.Fatalf("sealer %d has another key: %v", i, err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("master key mode = %v, want 0600", fi.Mode().Perm())
	}
	other, err := LoadOrCreate(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Open(sealed, nil); err == nil {
		t.Fatal("a different master key opened the value")
	}
}
