package iot

import (
	"context"
	"strings"
)

// thingsScannedPerPage bounds the things one filtered ListThings call examines. Filters
// are applied while paging through things by name, so a rare attribute value could make
// one page read the whole registry; instead, a page ends after this many things even when
// it holds fewer than maxResults matches (or none), and its nextToken continues the scan.
const thingsScannedPerPage = 1000

// ListThingsInput is the input of ListThings.
type ListThingsInput struct {
	NextToken  string
	MaxResults *int
	// AttributeName, when set, keeps things that have the attribute; AttributeValue, when
	// also set, keeps those whose value equals it, or starts with it when
	// UsePrefixAttributeValue is set.
	AttributeName           string
	AttributeValue          string
	UsePrefixAttributeValue bool
	ThingTypeName           string
}

// ThingPage is one page of things.
type ThingPage struct {
	Things    []*Thing
	NextToken string
}

// matches reports whether t passes the filters of in.
func (in *ListThingsInput) matches(t *Thing) bool {
	if in.ThingTypeName != "" && t.TypeName != in.ThingTypeName {
		return false
	}
	if in.AttributeName == "" {
		return true
	}
	v, ok := t.Attributes[in.AttributeName]
	switch {
	case !ok:
		return false
	case in.AttributeValue == "":
		return true
	case in.UsePrefixAttributeValue:
		return strings.HasPrefix(v, in.AttributeValue)
	default:
		return v == in.AttributeValue
	}
}

// filtered reports whether any filter is set.
func (in *ListThingsInput) filtered() bool {
	return in.AttributeName != "" || in.ThingTypeName != ""
}

// ListThings lists the caller's things by name, optionally filtered by an attribute and a
// thing type. Pages are keyset pages by thing name, whatever the filter.
func (s *Service) ListThings(ctx context.Context, c Caller, in ListThingsInput) (*ThingPage, error) {
	size, err := checkPageSize("maxResults", in.MaxResults)
	if err != nil {
		return nil, err
	}
	after, err := decodeNameMarker("nextToken", strings.TrimSpace(in.NextToken))
	if err != nil {
		return nil, err
	}
	if in.AttributeName != "" {
		if runeLen(in.AttributeName) > maxAttrName || !attrNamePattern.MatchString(in.AttributeName) {
			return nil, invalid("1 validation error detected: Value '%s' at 'attributeName' failed to satisfy constraint: Member must have length less than or equal to 128 and satisfy regular expression pattern: [a-zA-Z0-9_.,@/:#-]+", clip(in.AttributeName))
		}
	}
	if in.AttributeValue != "" {
		if in.AttributeName == "" {
			return nil, invalid("attributeValue can only be given with attributeName.")
		}
		if runeLen(in.AttributeValue) > maxAttrValue || !attrValuePattern.MatchString(in.AttributeValue) {
			return nil, invalid("1 validation error detected: Value '%s' at 'attributeValue' failed to satisfy constraint: Member must have length less than or equal to 800 and satisfy regular expression pattern: [a-zA-Z0-9_.,@/:#=\\[\\]-]*", clip(in.AttributeValue))
		}
	}
	if in.ThingTypeName != "" {
		if err := checkThingName("thingTypeName", in.ThingTypeName); err != nil {
			return nil, err
		}
	}

	// Things are read in batches, each with one thing more than it examines, which tells
	// whether any follow. Unfiltered, one batch of size things is the page. Filtered,
	// batches are tested until the page is full and one more match shows that more
	// follow, the things run out, or thingsScannedPerPage have been examined.
	batch, budget := size, size
	if in.filtered() {
		batch, budget = maxPageSize, thingsScannedPerPage
	}
	page := &ThingPage{}
	q := NameQuery{Region: c.Region, Account: c.Account, After: after}
	for scanned := 0; ; {
		n := min(batch, budget-scanned)
		q.Limit = n + 1
		ts, err := s.store.ListThings(ctx, q)
		if err != nil {
			return nil, wrapRead(err)
		}
		more := len(ts) > n
		ts = ts[:min(len(ts), n)]
		for _, t := range ts {
			if in.matches(t) {
				if len(page.Things) == size {
					// A further match: the page is full and more follow. The next
					// page starts at this match, after the non-matching things before
					// it, which need not be read again.
					page.NextToken = encodeNameMarker(q.After)
					return page, nil
				}
				page.Things = append(page.Things, t)
			}
			scanned++
			q.After = t.Name
		}
		if !more {
			return page, nil
		}
		if scanned >= budget {
			// Out of budget: continue after the last thing examined, which may lie
			// beyond the last thing of the page.
			page.NextToken = encodeNameMarker(q.After)
			return page, nil
		}
	}
}
