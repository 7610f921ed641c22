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
// works while a server runs on the same data directory: the server reads access keys from
// the store, so it honours the new key at once.
func runAccountCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("account create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", "", "the 12-digit account ID (random when omitted)")
	dir := fs.String("data", "", "data directory of the server")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *dir == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: iotcertd account create [--id 12DIGITS] --data DIR")
		return errUsage
	}
	store, sealer, err := openData(ctx, *dir)
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
