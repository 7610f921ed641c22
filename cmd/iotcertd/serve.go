package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/iotcertd/iotcertd/internal/httpapi"
	"github.com/iotcertd/iotcertd/internal/iot"
	"github.com/iotcertd/iotcertd/internal/pki"
	"github.com/iotcertd/iotcertd/internal/secrets"
	"github.com/iotcertd/iotcertd/internal/store/sqlite"
)

// defaultAddr is loopback: the server is reachable from elsewhere only when asked.
const defaultAddr = "127.0.0.1:8780"

// Files in the data directory.
const (
	dbFile          = "iotcertd.db"
	masterKeyFile   = "master.key"
	credentialsFile = "credentials"
)

// Config is the configuration of a server.
type Config struct {
	Addr     string
	DataDir  string
	Emulator bool
	// KeyPool is how many RSA keys to keep ready for CreateKeysAndCertificate.
	KeyPool int
	// Stdout receives the first-start credentials message.
	Stdout io.Writer
	Logger *slog.Logger
}

// Main is a running iotcertd server. End-to-end tests boot it exactly as the command does.
type Main struct {
	Config  Config
	Service *iot.Service

	store    *sqlite.Store
	keys     *pki.KeyPool
	listener net.Listener
	server   *http.Server
	done     chan error
}

// Open prepares the data directory, opens the store and the service, and starts listening.
func Open(ctx context.Context, cfg Config) (*Main, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	m := &Main{Config: cfg, done: make(chan error, 1)}
	store, sealer, err := openData(ctx, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	m.store = store
	m.keys = pki.NewKeyPool(cfg.KeyPool, 0)
	svc, err := iot.NewService(ctx, iot.Config{Store: store, Sealer: sealer, Keys: m.keys})
	if err != nil {
		m.Close()
		return nil, err
	}
	m.Service = svc

	var auth httpapi.Authenticator = httpapi.EmulatorAuth{}
	if !cfg.Emulator {
		if err := m.bootstrap(ctx); err != nil {
			m.Close()
			return nil, err
		}
		auth = &httpapi.SigV4Auth{Lookup: svc.LookupAccessKey}
	}
	handler := httpapi.New(httpapi.Config{Service: svc, Auth: auth, Logger: cfg.Logger, EmulatorReset: cfg.Emulator})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		m.Close()
		return nil, err
	}
	m.listener = ln
	m.server = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)}
	return m, nil
}

// openData creates the data directory if needed and opens the master key and the store.
func openData(ctx context.Context, dir string) (*sqlite.Store, *secrets.Sealer, error) {
	if dir == "" {
		return nil, nil, errors.New("a data directory is required (--data DIR)")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("data directory: %w", err)
	}
	sealer, err := secrets.LoadOrCreate(filepath.Join(dir, masterKeyFile))
	if err != nil {
		return nil, nil, err
	}
	store, err := sqlite.Open(ctx, filepath.Join(dir, dbFile))
	if err != nil {
		return nil, nil, err
	}
	return store, sealer, nil
}

// bootstrap creates the first account and access key on an empty store, saves them to the
// credentials file (mode 0600) and prints how to use them, once.
func (m *Main) bootstrap(ctx context.Context) error {
	acct, err := m.Service.BootstrapAccount(ctx)
	if err != nil {
		return err
	}
	path := filepath.Join(m.Config.DataDir, credentialsFile)
	if acct == nil {
		fmt.Fprintf(m.Config.Stdout, "iotcertd: credentials of the first account are in %s\n", path)
		return nil
	}
	content := fmt.Sprintf("# iotcertd account %s\n[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
		acct.AccountID, acct.AccessKeyID, acct.SecretAccessKey)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	fmt.Fprintf(m.Config.Stdout, `iotcertd: created account %s with an access key:
  aws_access_key_id     = %s
  aws_secret_access_key = %s
Saved to %s (mode 0600); the secret is not printed again. Use it with:
  AWS_SHARED_CREDENTIALS_FILE=%s aws iot list-certificates --region us-east-1 --endpoint-url http://%s
`, acct.AccountID, acct.AccessKeyID, acct.SecretAccessKey, path, path, m.Config.Addr)
	return nil
}

// Addr returns the address the server listens on.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// Run serves until ctx is done or the server fails, then shuts down gracefully.
func (m *Main) Run(ctx context.Context) error {
	go func() { m.done <- m.server.Serve(m.listener) }()
	m.Config.Logger.Info("iotcertd listening", "addr", m.Addr(), "data", m.Config.DataDir, "emulator", m.Config.Emulator)
	select {
	case err := <-m.done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return m.server.Shutdown(shutdownCtx)
}

// Close releases everything Open acquired.
func (m *Main) Close() error {
	if m.listener != nil && m.server == nil {
		m.listener.Close()
	}
	if m.keys != nil {
		m.keys.Close()
	}
	if m.store != nil {
		return m.store.Close()
	}
	return nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := Config{Stdout: stdout}
	fs.StringVar(&cfg.Addr, "addr", defaultAddr, "listen address HOST:PORT")
	fs.StringVar(&cfg.DataDir, "data", "./data", "data directory (created if missing)")
	fs.BoolVar(&cfg.Emulator, "emulator", false, "emulator mode: SigV4 is parsed but not verified; the account is the access key ID when it is 12 digits, else 123456789012")
	fs.IntVar(&cfg.KeyPool, "key-pool", 16, "RSA keys kept ready for CreateKeysAndCertificate (0 disables the pool)")
	pprofAddr := fs.String("pprof", "", "serve Go profiles (net/http/pprof) on this loopback HOST:PORT (off by default)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "serve: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	if *pprofAddr != "" {
		_, stop, err := servePprof(*pprofAddr, cfg.Logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	m, err := Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	err = m.Run(ctx)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
