package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// runAccountCreate creates an account with a fresh access key and prints it as JSON. It
// works while servers run on the same data directory or database: they read access keys
// from the store, so they honour the new key at once.
func runAccountCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("account create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", "", "the 12-digit account ID (random when omitted)")
	var st Storage
	storageFlags(fs, &st)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if (st.DataDir == "" && st.Postgres == "") || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: iotcertd account create [--id 12DIGITS] (--data DIR | --postgres DSN --master-key FILE)")
		return errUsage
	}
	store, sealer, err := openStorage(ctx, st)
	if err != nil {
		return err
	}
	defer store.Close()
	svc, err := iot.NewService(ctx, iot.Config{Store: store, Sealer: sealer})
	if err != nil {
		return err
	}
	acct, err := svc.CreateAccount(ctx, *id)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		AccountID       string `json:"accountId"`
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
	}{acct.AccountID, acct.AccessKeyID, acct.SecretAccessKey})
}
