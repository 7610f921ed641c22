package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// The admin commands of identities: accounts, users, access keys and users' inline
// policies (docs/iam.md). They open the same store as the server, so they work while
// servers run on it; a change reaches every server within a second (the lifetime of its
// credential cache). Each prints JSON on stdout; secrets are printed once, by the command
// that creates them, and never logged.

// adminUsage is the usage text of the identity commands, part of the main usage.
const adminUsage = `  iotcertd account list STORAGE
  iotcertd account delete --id 12DIGITS STORAGE
  iotcertd user create --account ID --name NAME STORAGE
  iotcertd user list --account ID STORAGE
  iotcertd user delete --account ID --name NAME STORAGE
  iotcertd user put-policy --account ID --name NAME --policy-name P --document FILE|- STORAGE
  iotcertd user get-policy|delete-policy --account ID --name NAME --policy-name P STORAGE
  iotcertd user list-policies --account ID --name NAME STORAGE
  iotcertd key create|list --account ID [--name NAME] STORAGE
  iotcertd key delete|rotate --access-key-id KEY STORAGE
where STORAGE is --data DIR, or --postgres DSN --master-key FILE, as for the server.
`

// adminArgs are the flags of the identity commands; each command uses some of them.
type adminArgs struct {
	id, account, name, policyName, document, accessKeyID string
}

// adminCommand is one identity command.
type adminCommand struct {
	// flags are the flag names it takes; required are those it cannot do without.
	flags, required []string
	run             func(ctx context.Context, svc *iot.Service, a *adminArgs, stdin io.Reader) (any, error)
}

// adminCommands are the identity commands by "NOUN VERB". account create is runAccountCreate.
var adminCommands = map[string]adminCommand{
	"account list":   {run: listAccounts},
	"account delete": {flags: []string{"id"}, required: []string{"id"}, run: deleteAccount},

	"user create":        {flags: []string{"account", "name"}, required: []string{"account", "name"}, run: createUser},
	"user list":          {flags: []string{"account"}, required: []string{"account"}, run: listUsers},
	"user delete":        {flags: []string{"account", "name"}, required: []string{"account", "name"}, run: deleteUser},
	"user put-policy":    {flags: []string{"account", "name", "policy-name", "document"}, required: []string{"account", "name", "policy-name", "document"}, run: putUserPolicy},
	"user get-policy":    {flags: []string{"account", "name", "policy-name"}, required: []string{"account", "name", "policy-name"}, run: getUserPolicy},
	"user delete-policy": {flags: []string{"account", "name", "policy-name"}, required: []string{"account", "name", "policy-name"}, run: deleteUserPolicy},
	"user list-policies": {flags: []string{"account", "name"}, required: []string{"account", "name"}, run: listUserPolicies},

	"key create": {flags: []string{"account", "name"}, required: []string{"account"}, run: createKey},
	"key list":   {flags: []string{"account", "name"}, required: []string{"account"}, run: listKeys},
	"key delete": {flags: []string{"access-key-id"}, required: []string{"access-key-id"}, run: deleteKey},
	"key rotate": {flags: []string{"access-key-id"}, required: []string{"access-key-id"}, run: rotateKey},
}

// runAdmin runs an identity command: args starts with its noun and verb. stdin is read by
// put-policy --document -.
func runAdmin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	name := args[0] + " " + args[1]
	cmd, ok := adminCommands[name]
	if !ok {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var a adminArgs
	vars := map[string]*string{
		"id": &a.id, "account": &a.account, "name": &a.name, "policy-name": &a.policyName,
		"document": &a.document, "access-key-id": &a.accessKeyID,
	}
	help := map[string]string{
		"id":            "the 12-digit account ID",
		"account":       "the 12-digit account ID",
		"name":          "the user name",
		"policy-name":   "the name of the user's inline policy",
		"document":      "the file holding the policy document, or - for standard input",
		"access-key-id": "the access key ID",
	}
	if name == "key create" || name == "key list" {
		help["name"] = "the user name (without it: the account's root key, for create; every key of the account, for list)"
	}
	for _, f := range cmd.flags {
		fs.StringVar(vars[f], f, "", help[f])
	}
	var st Storage
	storageFlags(fs, &st)
	if err := fs.Parse(args[2:]); err != nil {
		return errUsage
	}
	var missing []string
	for _, f := range cmd.required {
		if *vars[f] == "" {
			missing = append(missing, "--"+f)
		}
	}
	if st.DataDir == "" && st.Postgres == "" {
		missing = append(missing, "--data or --postgres")
	}
	if len(missing) > 0 || fs.NArg() > 0 {
		if len(missing) > 0 {
			fmt.Fprintf(stderr, "iotcertd %s: missing %s\n", name, strings.Join(missing, ", "))
		} else {
			fmt.Fprintf(stderr, "iotcertd %s: unexpected argument %q\n", name, fs.Arg(0))
		}
		fs.Usage()
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
	out, err := cmd.run(ctx, svc, &a, stdin)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// JSON output shapes. Names follow IAM's API where it has one (userName, userArn,
// accessKeyId, secretAccessKey, policyName, policyDocument, createDate).

type accountOut struct {
	AccountID  string    `json:"accountId"`
	CreateDate time.Time `json:"createDate"`
}

type userOut struct {
	AccountID  string    `json:"accountId"`
	UserName   string    `json:"userName"`
	UserARN    string    `json:"userArn"`
	CreateDate time.Time `json:"createDate"`
}

// newKeyOut is a new access key: its secret is shown here only.
type newKeyOut struct {
	AccountID       string `json:"accountId"`
	UserName        string `json:"userName,omitempty"`
	UserARN         string `json:"userArn"`
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

func newKey(k *iot.NewAccessKey) newKeyOut {
	return newKeyOut{AccountID: k.AccountID, UserName: k.UserName, UserARN: k.ARN(), AccessKeyID: k.AccessKeyID,
		SecretAccessKey: k.SecretAccessKey}
}

// keyOut is a listed access key, without any secret.
type keyOut struct {
	AccountID   string    `json:"accountId"`
	UserName    string    `json:"userName,omitempty"`
	UserARN     string    `json:"userArn"`
	AccessKeyID string    `json:"accessKeyId"`
	CreateDate  time.Time `json:"createDate"`
}

type policyOut struct {
	AccountID      string    `json:"accountId"`
	UserName       string    `json:"userName"`
	PolicyName     string    `json:"policyName"`
	PolicyDocument string    `json:"policyDocument"`
	CreateDate     time.Time `json:"createDate"`
	UpdateDate     time.Time `json:"updateDate"`
}

func listAccounts(ctx context.Context, svc *iot.Service, _ *adminArgs, _ io.Reader) (any, error) {
	accts, err := svc.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]accountOut, len(accts))
	for i, a := range accts {
		out[i] = accountOut{AccountID: a.ID, CreateDate: a.CreatedAt}
	}
	return struct {
		Accounts []accountOut `json:"accounts"`
	}{out}, nil
}

func deleteAccount(ctx context.Context, svc *iot.Service, a *adminArgs, _ io.Reader) (any, error) {
	if err := svc.DeleteAccount(ctx, a.id); err != nil {
		return nil, err
	}
	return struct {
		Deleted string `json:"deletedAccountId"`
	}{a.id}, nil
}

func createUser(ctx context.Context, svc *iot.Service, a *adminArgs, _ io.Reader) (any, error) {
	u, k, err := svc.CreateUser(ctx, a.account, a.name)
	if err != nil {
		return nil, err
	}
	return newKeyOut{AccountID: u.Account, UserName: u.Name, UserARN: u.ARN(), AccessKeyID: k.AccessKeyID,
		SecretAccessKey: k.SecretAccessKey}, nil
}

func listUsers(ctx context.Context, svc *iot.Service, a *adminArgs, _ io.Reader) (any, error) {
	users, err := svc.ListUsers(ctx, a.account)
	if err != nil {
		return nil, err
	}
	out := make([]userOut, len(users))
	for i, u := range users {
		out[i] = userOut{AccountID: u.Account, UserName: u.Name, UserARN: u.ARN(), CreateDate: u.CreatedAt}
	}
	return struct {
		Users []userOut `json:"users"`
	}{out}, nil
}

func deleteUser(ctx context.Context, svc *iot.Service, a *adminArgs, _ io.Reader) (any, error) {
	if err := svc.DeleteUser(ctx, a.account, a.name); err != nil {
		return nil, err
	}
	return struct {
		AccountID string `json:"accountId"`
		Deleted   string `json:"deletedUserName"`
	}{a.account, a.name}, nil
}

// maxDocumentFile bounds what put-policy reads: IAM's PolicyDocument parameter is at most
// 131,072 characters, and iam.Parse refuses longer documents anyway.
const maxDocumentFile = 1 << 20

func putUserPolicy(ctx context.Context, svc *iot.Service, a *adminArgs, stdin io.Reader) (any, error) {
	var r io.Reader
	if a.document == "-" {
		r = stdin
	} else {
		f, err := os.Open(a.document)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	doc, err := io.ReadAll(io.LimitReader(r, maxDocumentFile+1))
	if err != nil {
		return nil, fmt.Errorf("read the policy document: %w", err)
	}
	if len(doc) > maxDocumentFile {
		return nil, fmt.Errorf("the policy document is longer than %d bytes", maxDocumentFile)
	}
	if err := svc.PutUserPolicy(ctx, a.account, a.name, a.policyName, string(doc)); err != nil {
		return nil, err
	}
	return getUserPolicy(ctx, svc, a, nil)
}

func getUserPolicy(ctx context.Context, svc *iot.Service, a *adminArgs, _ io.Reader) (any, error) {
	p, err := svc.GetUserPolicy(ctx, a.account, a.name, a.policyName)
	if err != nil {
		return nil, err
	}
	return policyOut{AccountID: p.Account, UserName: p.UserName, PolicyName: p.PolicyName, PolicyDocument: p.Document,
		CreateDate: p.CreatedAt, UpdateDate: p.UpdatedAt}, nil
}

func deleteUserPolicy(ctx context.Context, svc *iot.Service, a *adminArgs, _ io.Reader) (any, error) {
	if err := svc.DeleteUserPolicy(ctx, a.account, a.name, a.policyName); err != nil {
		return nil, err
	}
	return struct {
		AccountID string `json:"accountId"`
		UserName  string `json:"userName"`
		Deleted   string `json:"deletedPolicyName"`
	}{a.account, a.name, a.policyName}, nil
}

func listUserPolicies(ctx context.Context, svc *iot.Service, a *adminArgs, _ io.Reader) (any, error) {
	names, err := svc.ListUserPolicies(ctx, a.account, a.name)
	if err != nil {
		return nil, err
	}
	return struct {
		AccountID   string   `json:"accountId"`
		UserName    string   `json:"userName"`
		PolicyNames []string `json:"policyNames"`
	}{a.account, a.name, names}, nil
}

func createKey(ctx context.Context, svc *iot.Service, a *adminArgs, _ io.Reader) (any, error) {
	k, err := svc.CreateAccessKey(ctx, a.account, a.name)
	if err != nil {
		return nil, err
	}
	return newKey(k), nil
}

func listKeys(ctx context.Context, svc *iot.Service, a *adminArgs, _ io.Reader) (any, error) {
	keys, err := svc.ListAccessKeys(ctx, a.account, a.name)
	if err != nil {
		return nil, err
	}
	out := make([]keyOut, len(keys))
	for i, k := range keys {
		out[i] = keyOut{AccountID: k.Account, UserName: k.UserName, UserARN: iot.PrincipalARN(k.Account, k.UserName),
			AccessKeyID: k.ID, CreateDate: k.CreatedAt}
	}
	return struct {
		AccessKeys []keyOut `json:"accessKeys"`
	}{out}, nil
}

func deleteKey(ctx context.Context, svc *iot.Service, a *adminArgs, _ io.Reader) (any, error) {
	if err := svc.DeleteAccessKey(ctx, a.accessKeyID); err != nil {
		return nil, err
	}
	return struct {
		Deleted string `json:"deletedAccessKeyId"`
	}{a.accessKeyID}, nil
}

func rotateKey(ctx context.Context, svc *iot.Service, a *adminArgs, _ io.Reader) (any, error) {
	k, err := svc.RotateAccessKey(ctx, a.accessKeyID)
	if err != nil {
		return nil, err
	}
	return struct {
		newKeyOut
		Deleted string `json:"deletedAccessKeyId"`
	}{newKey(k), a.accessKeyID}, nil
}
