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
	"runtime/debug"
	"time"

	"github.com/iotcertd/iotcertd/internal/httpapi"
	"github.com/iotcertd/iotcertd/internal/iot"
	"github.com/iotcertd/iotcertd/internal/pki"
	"github.com/iotcertd/iotcertd/internal/secrets"
	"github.com/iotcertd/iotcertd/internal/store/postgres"
	"github.com/iotcertd/iotcertd/internal/store/readcache"
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
	Addr string
	// DataDir, Postgres and MasterKey say where the data and the master key are, as the
	// fields of Storage do.
	DataDir   string
	Postgres  string
	MasterKey string
	// CommitGroup is Storage.CommitGroup.
	CommitGroup int
	Emulator    bool
	// EnforceIAM holds emulator-mode callers to IAM policies too; outside emulator mode they
	// always are.
	EnforceIAM bool
	// Clock is the server's time source, for the service and for SigV4 (signing times and
	// the one-second credential cache); nil means time.Now. Tests inject their own.
	Clock func() time.Time
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

	store iot.Store
	// unlock releases the data directory's server lock (SQLite only).
	unlock   func() error
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
	store, sealer, err := openStorage(ctx, cfg.storage())
	if err != nil {
		return nil, err
	}
	m.store = store
	if cfg.Postgres == "" {
		// This server is the only one on the SQLite file, so it sees every write of a
		// certificate and can serve point reads from memory.
		if m.unlock, err = lockDataDir(cfg.DataDir); err != nil {
			m.Close()
			return nil, err
		}
		store = readcache.New(store, 0)
		m.store = store
	}
	m.keys = pki.NewKeyPool(cfg.KeyPool, 0)
	svc, err := iot.NewService(ctx, iot.Config{Store: store, Sealer: sealer, Keys: m.keys, Clock: cfg.Clock})
	if err != nil {
		m.Close()
		return nil, err
	}
	m.Service = svc

	var auth httpapi.Authenticator = httpapi.EmulatorAuth{}
	if cfg.EnforceIAM {
		auth = httpapi.EmulatorAuth{Lookup: svc.LookupAccessKey}
	}
	if !cfg.Emulator {
		if err := m.bootstrap(ctx); err != nil {
			m.Close()
			return nil, err
		}
		auth = &httpapi.SigV4Auth{Lookup: svc.LookupAccessKey, Clock: cfg.Clock}
	}
	handler := httpapi.New(httpapi.Config{Service: svc, Auth: auth, Logger: cfg.Logger, EmulatorReset: cfg.Emulator && !cfg.EnforceIAM})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		m.Close()
		return nil, err
	}
	m.listener = ln
	m.server = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)}
	return m, nil
}

// Storage says where a server or an admin command keeps its data: in SQLite in a data
// directory, or in PostgreSQL. Secrets are sealed with a master key file, which every
// process on the same data must share.
type Storage struct {
	// DataDir is the data directory: the SQLite database, and the master key and the
	// first-start credentials unless MasterKey names another key file. Optional with
	// Postgres.
	DataDir string
	// Postgres is the DSN of a PostgreSQL database; empty keeps the data in SQLite.
	Postgres string
	// MasterKey is the master key file, created (mode 0600) when missing; empty means
	// master.key in DataDir. With Postgres and no DataDir it is required: every node
	// needs the same key.
	MasterKey string
	// CommitGroup bounds the concurrent writes that share one commit, and one fsync, in
	// SQLite (group commit); 0 means sqlite.DefaultMaxBatch and 1 commits every write on
	// its own. PostgreSQL commits each write on its own in any case.
	CommitGroup int
}

// storage returns the Storage of the configuration.
func (c Config) storage() Storage {
	return Storage{DataDir: c.DataDir, Postgres: c.Postgres, MasterKey: c.MasterKey, CommitGroup: c.CommitGroup}
}

// masterKeyPath returns the master key file.
func (st Storage) masterKeyPath() string {
	if st.MasterKey != "" {
		return st.MasterKey
	}
	return filepath.Join(st.DataDir, masterKeyFile)
}

// credentialsPath returns where the first start saves the first account's credentials: in
// the data directory, or beside the master key when there is none.
func (st Storage) credentialsPath() string {
	if st.DataDir != "" {
		return filepath.Join(st.DataDir, credentialsFile)
	}
	return filepath.Join(filepath.Dir(st.MasterKey), credentialsFile)
}

// describe names the store for logs, without the DSN (which may hold a password).
func (st Storage) describe() string {
	if st.Postgres != "" {
		return "postgres"
	}
	return "sqlite " + filepath.Join(st.DataDir, dbFile)
}

// openStorage opens the master key and the store that st names: the one place that picks
// the concrete store. It creates the data directory, and the master key's directory, when
// missing.
func openStorage(ctx context.Context, st Storage) (iot.Store, *secrets.Sealer, error) {
	switch {
	case st.Postgres == "" && st.DataDir == "":
		return nil, nil, errors.New("a data directory is required (--data DIR), or a PostgreSQL database (--postgres DSN)")
	case st.Postgres != "" && st.DataDir == "" && st.MasterKey == "":
		return nil, nil, errors.New("with --postgres, a master key file is required (--master-key FILE): " +
			"every node must use the same one, so copy the file to each node")
	}
	if st.DataDir != "" {
		if err := os.MkdirAll(st.DataDir, 0o700); err != nil {
			return nil, nil, fmt.Errorf("data directory: %w", err)
		}
	}
	keyPath := st.masterKeyPath()
	if err := os.MkdirAll(filepath.Dir(keyPath), 0o700); err != nil {
		return nil, nil, fmt.Errorf("master key directory: %w", err)
	}
	sealer, err := secrets.LoadOrCreate(keyPath)
	if err != nil {
		return nil, nil, err
	}
	if st.Postgres != "" {
		store, err := postgres.Open(ctx, st.Postgres)
		if err != nil {
			return nil, nil, err
		}
		return store, sealer, nil
	}
	store, err := sqlite.Open(ctx, filepath.Join(st.DataDir, dbFile))
	if err != nil {
		return nil, nil, err
	}
	if st.CommitGroup > 0 {
		store.SetMaxBatch(st.CommitGroup)
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
	path := m.Config.storage().credentialsPath()
	if _, err := os.Stat(path); acct == nil && m.Config.Postgres != "" && err != nil {
		// Another node created it, and saved the file on its own machine.
		fmt.Fprintf(m.Config.Stdout, "iotcertd: the database has its first account already; the node that created it saved its credentials to the file %s beside its data directory or master key\n", credentialsFile)
		return nil
	}
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
	m.Config.Logger.Info("iotcertd listening", "addr", m.Addr(), "store", m.Config.storage().describe(), "emulator", m.Config.Emulator)
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
	var err error
	if m.store != nil {
		err = m.store.Close()
	}
	if m.unlock != nil {
		err = errors.Join(err, m.unlock())
	}
	return err
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := Config{Stdout: stdout}
	fs.StringVar(&cfg.Addr, "addr", defaultAddr, "listen address HOST:PORT")
	var st Storage
	storageFlags(fs, &st)
	fs.BoolVar(&cfg.Emulator, "emulator", false, "emulator mode: SigV4 is parsed but not verified; the account is the access key ID when it is 12 digits, else 123456789012")
	fs.BoolVar(&cfg.EnforceIAM, "enforce-iam", false, "with --emulator, enforce IAM policies: a key the store knows acts as its user or root, held to its policies; any other key is the root of its derived account (without --emulator they are always enforced)")
	fs.IntVar(&cfg.KeyPool, "key-pool", 16, "RSA keys kept ready for CreateKeysAndCertificate, each with its certificate signed ahead (0 disables the pool)")
	pprofAddr := fs.String("pprof", "", "serve Go profiles (net/http/pprof) on this loopback HOST:PORT (off by default)")
	fs.IntVar(&st.CommitGroup, "commit-group", sqlite.DefaultMaxBatch, "SQLite: at most this many concurrent writes share one commit and its fsync (group commit); 1 commits and syncs every write on its own")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if st.CommitGroup < 1 {
		fmt.Fprintf(stderr, "serve: --commit-group must be at least 1, not %d\n", st.CommitGroup)
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "serve: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	// The data directory defaults to ./data for SQLite; with PostgreSQL it is only used
	// when given.
	if st.Postgres == "" && !flagSet(fs, "data") {
		st.DataDir = "./data"
	}
	cfg.DataDir, cfg.Postgres, cfg.MasterKey, cfg.CommitGroup = st.DataDir, st.Postgres, st.MasterKey, st.CommitGroup
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	setGCPercent(os.Getenv("GOGC"))
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

// serveGCPercent is the garbage collector's target of the server (Go's default is 100).
// The server's live heap is small (tens of MiB with a million certificates), so the default
// collects very often; at 400 the update benchmark used about 15 % less CPU per call and
// ran about 12 % faster (BENCHMARKS.md), and memory stays far below the 300 MB target.
const serveGCPercent = 400

// setGCPercent sets serveGCPercent unless the GOGC environment variable (env) chose a
// value, which then stands.
func setGCPercent(env string) {
	if env == "" {
		debug.SetGCPercent(serveGCPercent)
	}
}

// storageFlags defines the flags of Storage, shared by serve and the admin commands.
func storageFlags(fs *flag.FlagSet, st *Storage) {
	fs.StringVar(&st.DataDir, "data", "", "data directory, created if missing: the SQLite database, the master key and the first credentials (default ./data for serve without --postgres)")
	fs.StringVar(&st.Postgres, "postgres", "", "keep the data in this PostgreSQL database (a postgres:// URL or key=value DSN; its search_path names the schema) instead of SQLite")
	fs.StringVar(&st.MasterKey, "master-key", "", "master key file sealing secrets, created (mode 0600) if missing; every node on one database needs the same file (default master.key in --data; required with --postgres without --data)")
}

// flagSet reports whether the command line set the flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
