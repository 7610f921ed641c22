package iot

import (
	"context"
	"errors"
	"maps"
	"regexp"
	"strings"
)

// maxThingAttributes is AWS's limit of attributes on a thing without a thing type.
const maxThingAttributes = 3

// cognitoIDPattern matches an Amazon Cognito identity ID (REGION:UUID), the other kind of
// principal the API accepts besides certificate ARNs.
var cognitoIDPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]:[0-9a-fA-F-]{36}$`)

// checkPrincipal validates the form of a principal.
func checkPrincipal(field, p string) error {
	if p == "" {
		return invalid("%s is required.", field)
	}
	if runeLen(p) > maxPrincipal {
		return invalid("%s must be at most %d characters.", field, maxPrincipal)
	}
	return nil
}

// resolvePrincipal checks that a principal names something the caller has: a certificate
// of the caller's account and region (by ARN), or an Amazon Cognito identity. It returns
// the certificate, or nil for a Cognito identity.
func resolvePrincipal(ctx context.Context, r Reader, c Caller, field, p string) (string, *Certificate, error) {
	if err := checkPrincipal(field, p); err != nil {
		return "", nil, err
	}
	if cognitoIDPattern.MatchString(p) {
		return p, nil, nil
	}
	arn, ok := ParseARN(p)
	if !ok {
		return "", nil, invalid("%s must be a certificate ARN (arn:aws:iot:REGION:ACCOUNT:cert/ID) or an Amazon Cognito identity ID.", field)
	}
	switch arn.ResourceType {
	case "cert":
	case "thinggroup":
		return "", nil, Errorf(CodeResourceNotFound, "The thing group %s does not exist.", arn.Resource)
	default:
		return "", nil, invalid("%s must be a certificate ARN or an Amazon Cognito identity ID.", field)
	}
	notFound := Errorf(CodeResourceNotFound, "The certificate %s does not exist.", p)
	if arn.Partition != Partition || arn.Region != c.Region || arn.Account != c.Account {
		return "", nil, notFound
	}
	id, err := checkCertificateID(field, arn.Resource)
	if err != nil {
		return "", nil, notFound
	}
	cert, rel, err := lookup(ctx, r, c, id)
	if err != nil {
		return "", nil, err
	}
	// The target of a pending transfer sees the certificate too; attaching to it is
	// refused as for the source (attachablePrincipal), and it has nothing attached.
	if !rel.visible() {
		return "", nil, notFound
	}
	return CertificateARN(c.Region, c.Account, id), cert, nil
}

// canonicalARN returns the form in which an ARN is stored, looked up and authorised: a
// certificate or CA certificate ARN with its ID in lower case, since those IDs are taken in
// either case (checkCertificateID) and every rule that counts a certificate's attachments
// looks them up under Certificate.ARN; anything else unchanged. It validates nothing.
func canonicalARN(s string) string {
	// Authorize calls this for every request: most ARNs have no upper-case hex digit and
	// need no parsing.
	if strings.IndexFunc(s, func(r rune) bool { return 'A' <= r && r <= 'F' }) < 0 {
		return s
	}
	arn, ok := ParseARN(s)
	if !ok || (arn.ResourceType != "cert" && arn.ResourceType != "cacert") {
		return s
	}
	id, err := checkCertificateID("", arn.Resource)
	if err != nil || id == arn.Resource {
		return s
	}
	return s[:len(s)-len(arn.Resource)] + id
}

// attachablePrincipal resolves a principal that something is about to be attached to, and
// returns the key to store it under: a certificate pending transfer takes no new
// attachments, since a transfer requires none.
func attachablePrincipal(ctx context.Context, r Reader, c Caller, field, p string) (string, error) {
	key, cert, err := resolvePrincipal(ctx, r, c, field, p)
	if err != nil {
		return "", err
	}
	if cert != nil && cert.Pending() {
		return "", invalid("The certificate %s is pending transfer; nothing can be attached to it.", cert.ID)
	}
	return key, nil
}

// CreateThingInput is the input of CreateThing.
type CreateThingInput struct {
	ThingName        string
	ThingTypeName    string
	Attributes       map[string]string
	BillingGroupName string
}

// CreateThing creates a thing. Creating the same thing again with the same configuration
// succeeds and returns it; with another configuration it is ResourceAlreadyExists.
func (s *Service) CreateThing(ctx context.Context, c Caller, in CreateThingInput) (*Thing, error) {
	if err := checkThingName("thingName", in.ThingName); err != nil {
		return nil, err
	}
	if err := checkAttributes(in.Attributes); err != nil {
		return nil, err
	}
	if in.ThingTypeName != "" {
		if err := checkThingName("thingTypeName", in.ThingTypeName); err != nil {
			return nil, err
		}
		return nil, Errorf(CodeResourceNotFound, "The thing type %s does not exist.", in.ThingTypeName)
	}
	if in.BillingGroupName != "" {
		if err := checkThingName("billingGroupName", in.BillingGroupName); err != nil {
			return nil, err
		}
		return nil, Errorf(CodeResourceNotFound, "The billing group %s does not exist.", in.BillingGroupName)
	}
	attrs := in.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	fresh := &Thing{Region: c.Region, Account: c.Account, Name: in.ThingName, ID: newUUID(), Attributes: attrs,
		Version: 1, CreatedAt: s.now()}
	var t *Thing
	err := s.update(ctx, func(tx Tx) error {
		// Every run of fn sets t itself: a run that lost a race is run again, and what it
		// saw is gone.
		t = nil
		existing, err := tx.Thing(ctx, c.Region, c.Account, in.ThingName)
		if err == nil {
			if maps.Equal(existing.Attributes, attrs) && existing.TypeName == "" && existing.BillingGroupName == "" {
				t = existing
				return nil
			}
			return &Error{Code: CodeResourceAlreadyExists,
				Message:    "Thing " + in.ThingName + " already exists in account with different attributes",
				ResourceID: existing.ID, ResourceARN: existing.ARN()}
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := tx.CreateThing(ctx, fresh); err != nil {
			if errors.Is(err, ErrAlreadyExists) {
				return ErrConflict
			}
			return err
		}
		t = fresh
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// checkAttributes validates thing attributes against the AttributeName/AttributeValue
// shapes and AWS's limit for things without a type.
func checkAttributes(attrs map[string]string) error {
	if len(attrs) > maxThingAttributes {
		return tooManyAttributes()
	}
	return checkAttributeEntries(attrs)
}

func tooManyAttributes() *Error {
	return invalid("A thing without a thing type can have at most %d attributes.", maxThingAttributes)
}

// checkAttributeEntries validates each attribute name and value.
func checkAttributeEntries(attrs map[string]string) error {
	for k, v := range attrs {
		if runeLen(k) > maxAttrName || !attrNamePattern.MatchString(k) {
			return invalid("Attribute name '%s' must be at most 128 characters matching [a-zA-Z0-9_.,@/:#-]+.", clip(k))
		}
		if runeLen(v) > maxAttrValue || !attrValuePattern.MatchString(v) {
			return invalid("Attribute value of '%s' must be at most 800 characters matching [a-zA-Z0-9_.,@/:#=\\[\\]-]*.", clip(k))
		}
	}
	return nil
}

// DescribeThing returns a thing.
func (s *Service) DescribeThing(ctx context.Context, c Caller, name string) (*Thing, error) {
	if err := checkThingName("thingName", name); err != nil {
		return nil, err
	}
	t, err := getThing(ctx, s.store, c, name)
	if err != nil {
		return nil, wrapRead(err)
	}
	return t, nil
}

func getThing(ctx context.Context, r Reader, c Caller, name string) (*Thing, error) {
	t, err := r.Thing(ctx, c.Region, c.Account, name)
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf(CodeResourceNotFound, "The thing %s does not exist.", name)
	}
	return t, err
}

// DeleteThingInput is the input of DeleteThing.
type DeleteThingInput struct {
	ThingName       string
	ExpectedVersion *int64
}

// DeleteThing deletes a thing. Deleting a thing that does not exist succeeds, as AWS
// documents; a thing with principals attached cannot be deleted.
func (s *Service) DeleteThing(ctx context.Context, c Caller, in DeleteThingInput) error {
	if err := checkThingName("thingName", in.ThingName); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		t, err := tx.Thing(ctx, c.Region, c.Account, in.ThingName)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if in.ExpectedVersion != nil && *in.ExpectedVersion != t.Version {
			return Errorf(CodeVersionConflict, "The version of thing %s is %d, not the expected %d.", in.ThingName, t.Version, *in.ExpectedVersion)
		}
		ps, err := tx.ThingPrincipals(ctx, in.ThingName, NameQuery{Region: c.Region, Account: c.Account, Limit: 1})
		if err != nil {
			return err
		}
		if len(ps) > 0 {
			return invalid("Cannot delete thing %s: it has principals attached; detach them first.", in.ThingName)
		}
		return tx.DeleteThing(ctx, t)
	})
}

// AttachThingPrincipalInput is the input of AttachThingPrincipal.
type AttachThingPrincipalInput struct {
	ThingName string
	Principal string
	Type      string
}

// AttachThingPrincipal attaches a principal to a thing. An EXCLUSIVE_THING attachment
// makes the thing the only one the principal is attached to.
func (s *Service) AttachThingPrincipal(ctx context.Context, c Caller, in AttachThingPrincipalInput) error {
	if err := checkThingName("thingName", in.ThingName); err != nil {
		return err
	}
	typ := ThingPrincipalNonExclusive
	switch in.Type {
	case "", string(ThingPrincipalNonExclusive):
	case string(ThingPrincipalExclusive):
		typ = ThingPrincipalExclusive
	default:
		return invalid("1 validation error detected: Value '%s' at 'thingPrincipalType' failed to satisfy constraint: Member must satisfy enum value set: [EXCLUSIVE_THING, NON_EXCLUSIVE_THING]", clip(in.Type))
	}
	return s.update(ctx, func(tx Tx) error {
		if _, err := getThing(ctx, tx, c, in.ThingName); err != nil {
			return err
		}
		principal, err := attachablePrincipal(ctx, tx, c, "principal", in.Principal)
		if err != nil {
			return err
		}
		// Two attachments are enough to apply the exclusivity rules: an exclusive one is the
		// principal's only one.
		others, err := tx.PrincipalThings(ctx, principal, NameQuery{Region: c.Region, Account: c.Account, Limit: 2})
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.ThingName == in.ThingName {
				if o.Type == typ {
					return nil
				}
				return invalid("The principal is already attached to thing %s as %s.", in.ThingName, o.Type)
			}
			if typ == ThingPrincipalExclusive || o.Type == ThingPrincipalExclusive {
				return invalid("The principal is attached exclusively, or is to be attached exclusively, but is also attached to thing %s.", o.ThingName)
			}
		}
		err = tx.AttachThingPrincipal(ctx, &ThingPrincipal{Region: c.Region, Account: c.Account,
			ThingName: in.ThingName, Principal: principal, Type: typ, CreatedAt: s.now()})
		if errors.Is(err, ErrAlreadyExists) {
			// The attachment exists although it was not among the two read above: the
			// principal has at least two other things, so none of its attachments is
			// exclusive, and this one is what was asked for.
			if typ == ThingPrincipalNonExclusive && len(others) == 2 {
				return nil
			}
			return ErrConflict
		}
		return err
	})
}

// DetachThingPrincipal detaches a principal from a thing; detaching what is not attached
// changes nothing.
func (s *Service) DetachThingPrincipal(ctx context.Context, c Caller, thingName, principal string) error {
	if err := checkThingName("thingName", thingName); err != nil {
		return err
	}
	if err := checkPrincipal("principal", principal); err != nil {
		return err
	}
	principal = canonicalARN(principal)
	return s.update(ctx, func(tx Tx) error {
		if _, err := getThing(ctx, tx, c, thingName); err != nil {
			return err
		}
		err := tx.DetachThingPrincipal(ctx, c.Region, c.Account, thingName, principal)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	})
}

// TokenListInput is the paging input of the nextToken-paginated list operations.
type TokenListInput struct {
	NextToken  string
	MaxResults *int
}

// NamePage is one page of names.
type NamePage struct {
	Names     []string
	NextToken string
}

// ListThingPrincipals lists the principals attached to a thing.
func (s *Service) ListThingPrincipals(ctx context.Context, c Caller, thingName string, in TokenListInput) (*NamePage, error) {
	if err := checkThingName("thingName", thingName); err != nil {
		return nil, err
	}
	if _, err := getThing(ctx, s.store, c, thingName); err != nil {
		return nil, wrapRead(err)
	}
	return listNames(in, func(q NameQuery) ([]string, error) {
		q.Region, q.Account = c.Region, c.Account
		ps, err := s.store.ThingPrincipals(ctx, thingName, q)
		names := make([]string, len(ps))
		for i, p := range ps {
			names[i] = p.Principal
		}
		return names, err
	})
}

// ListPrincipalThings lists the things a principal is attached to.
func (s *Service) ListPrincipalThings(ctx context.Context, c Caller, principal string, in TokenListInput) (*NamePage, error) {
	principal, _, err := resolvePrincipal(ctx, s.store, c, "principal", principal)
	if err != nil {
		return nil, wrapRead(err)
	}
	return listNames(in, func(q NameQuery) ([]string, error) {
		q.Region, q.Account = c.Region, c.Account
		ps, err := s.store.PrincipalThings(ctx, principal, q)
		names := make([]string, len(ps))
		for i, p := range ps {
			names[i] = p.ThingName
		}
		return names, err
	})
}

// listNames runs one keyset page of a name listing.
func listNames(in TokenListInput, list func(NameQuery) ([]string, error)) (*NamePage, error) {
	size, err := checkPageSize("maxResults", in.MaxResults)
	if err != nil {
		return nil, err
	}
	after, err := decodeNameMarker("nextToken", strings.TrimSpace(in.NextToken))
	if err != nil {
		return nil, err
	}
	names, err := list(NameQuery{After: after, Limit: size + 1})
	if err != nil {
		return nil, wrapRead(err)
	}
	page := &NamePage{Names: names}
	if len(names) > size {
		page.Names = names[:size]
		page.NextToken = encodeNameMarker(names[size-1])
	}
	return page, nil
}
