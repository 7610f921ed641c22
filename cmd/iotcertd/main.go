// Command iotcertd is a self-hostable AWS IoT Core certificate registry: an HTTP server that
// AWS SDKs and the AWS CLI use as the AWS IoT control plane, plus admin subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `iotcertd: a self-hostable AWS IoT Core certificate registry

Usage:
  iotcertd serve [--addr HOST:PORT] [--data DIR] [--emulator]
  iotcertd serve --postgres DSN --master-key FILE [--addr HOST:PORT] [--emulator]
  iotcertd account create [--id 12DIGITS] --data DIR
  iotcertd account create [--id 12DIGITS] --postgres DSN --master-key FILE

Users, access keys and IAM policies (docs/iam.md):
` + adminUsage + `
Run "iotcertd COMMAND --help" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "iotcertd:", err)
		}
		os.Exit(2)
	}
}

// errUsage reports a command line that was wrong; the usage text has been printed.
var errUsage = errors.New("usage")

// run dispatches a command line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "account":
		if len(args) > 1 && args[1] == "create" {
			return runAccountCreate(ctx, args[2:], stdout, stderr)
		}
		return runAdmin(ctx, args, os.Stdin, stdout, stderr)
	case "user", "key":
		return runAdmin(ctx, args, os.Stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return errUsage
}
