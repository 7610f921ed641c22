package iot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// memThings is a Store that holds things only and counts the things ListThings reads.
// Methods not defined here are not called by ListThings (the embedded nil Store panics).
type memThings struct {
	Store
	things []*Thing // sorted by name
	// read counts the things ListThings returned; pageRead those since the last call of
	// the service, maxRead the most of one call.
	read, pageRead, maxRead int
}

func (m *memThings) ListThings(_ context.Context, q NameQuery) ([]*Thing, error) {
	i, _ := slices.BinarySearchFunc(m.things, q.After, func(t *Thing, name string) int { return strings.Compare(t.Name, name) })
	if i < len(m.things) && m.things[i].Name == q.After {
		i++
	}
	out := m.things[i:min(len(m.things), i+q.Limit)]
	m.read += len(out)
	m.pageRead += len(out)
	m.maxRead = max(m.maxRead, m.pageRead)
	return out, nil
}

// newMemThings holds n things named t00000..., of which those whose index match keeps
// get the attribute colour=red.
func newMemThings(n int, match func(int) bool) *memThings {
	m := &memThings{}
	for i := range n {
		attrs := map[string]string{}
		if match(i) {
			attrs["colour"] = "red"
		}
		m.things = append(m.things, &Thing{Name: fmt.Sprintf("t%05d", i), Attributes: attrs, Version: 1})
	}
	return m
}

// listAllThings pages through ListThings and returns the names and the page sizes.
func listAllThings(t *testing.T, s *Service, in ListThingsInput) ([]string, []int) {
	t.Helper()
	var names []string
	var sizes []int
	for {
		if m, ok := s.store.(*memThings); ok {
			m.pageRead = 0
		}
		page, err := s.ListThings(t.Context(), Caller{Account: "111111111111", Region: "us-east-1"}, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(sizes) > 100 {
			t.Fatal("the listing does not end")
		}
		sizes = append(sizes, len(page.Things))
		for _, th := range page.Things {
			names = append(names, th.Name)
		}
		if page.NextToken == "" {
			return names, sizes
		}
		if page.NextToken == in.NextToken {
			t.Fatalf("nextToken %q repeats the request's", page.NextToken)
		}
		in.NextToken = page.NextToken
	}
}

// TestListThingsScanBound checks that a filtered ListThings page examines at most
// thingsScannedPerPage things, answering a page with fewer matches (or none) and a
// nextToken that continues the scan, and that the pages together hold every match once.
func TestListThingsScanBound(t *testing.T) {
	red := ListThingsInput{AttributeName: "colour", AttributeValue: "red"}
	for _, tc := range []struct {
		name  string
		n     int
		match func(int) bool
		max   int
		sizes []int
	}{
		{"one match at the end", 2500, func(i int) bool { return i == 2499 }, 25, []int{0, 0, 1}},
		{"sparse matches", 2500, func(i int) bool { return i%400 == 0 }, 2, []int{2, 2, 2, 1}},
		{"dense matches", 600, func(i int) bool { return i%2 == 0 }, 250, []int{250, 50}},
		{"no match", 1000, func(int) bool { return false }, 25, []int{0}},
		{"full page ending the things", 10, func(i int) bool { return i >= 5 }, 5, []int{5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMemThings(tc.n, tc.match)
			s := &Service{store: m}
			in := red
			in.MaxResults = &tc.max
			names, sizes := listAllThings(t, s, in)
			var want []string
			for i := range tc.n {
				if tc.match(i) {
					want = append(want, fmt.Sprintf("t%05d", i))
				}
			}
			if !slices.Equal(names, want) {
				t.Errorf("listed %d things, want %d", len(names), len(want))
			}
			if !slices.Equal(sizes, tc.sizes) {
				t.Errorf("page sizes %v, want %v", sizes, tc.sizes)
			}
			// Every page reads at most the bound (and one thing more per batch, which
			// shows whether more follow); a page that ends within a batch leaves the
			// rest of the batch to the next page, which reads it again.
			if m.maxRead > thingsScannedPerPage+thingsScannedPerPage/maxPageSize {
				t.Errorf("a page read %d things", m.maxRead)
			}
			if pages := len(sizes); m.read > tc.n+pages*(maxPageSize+1+thingsScannedPerPage/maxPageSize) {
				t.Errorf("read %d things in %d pages", m.read, pages)
			}
		})
	}

	t.Run("unfiltered pages are full and end without an empty page", func(t *testing.T) {
		m := newMemThings(10, func(int) bool { return false })
		s := &Service{store: m}
		five := 5
		_, sizes := listAllThings(t, s, ListThingsInput{MaxResults: &five})
		if !slices.Equal(sizes, []int{5, 5}) {
			t.Errorf("page sizes %v, want [5 5]", sizes)
		}
		if m.read != 11 { // ten, and the one more that shows the first page is not the last
			t.Errorf("read %d things, want 11", m.read)
		}
	})

	t.Run("filters", func(t *testing.T) {
		m := &memThings{things: []*Thing{
			{Name: "a", Attributes: map[string]string{"colour": "red"}},
			{Name: "b", Attributes: map[string]string{"colour": "reddish"}},
			{Name: "c", Attributes: map[string]string{"colour": "blue"}},
			{Name: "d", Attributes: map[string]string{}},
			{Name: "e", Attributes: map[string]string{"colour": "red"}, TypeName: "lamp"},
		}}
		s := &Service{store: m}
		for _, tc := range []struct {
			in   ListThingsInput
			want []string
		}{
			{ListThingsInput{AttributeName: "colour", AttributeValue: "red"}, []string{"a", "e"}},
			{ListThingsInput{AttributeName: "colour", AttributeValue: "red", UsePrefixAttributeValue: true}, []string{"a", "b", "e"}},
			{ListThingsInput{AttributeName: "colour"}, []string{"a", "b", "c", "e"}},
			{ListThingsInput{ThingTypeName: "lamp"}, []string{"e"}},
			{ListThingsInput{ThingTypeName: "lamp", AttributeName: "colour", AttributeValue: "blue"}, nil},
			{ListThingsInput{}, []string{"a", "b", "c", "d", "e"}},
		} {
			if got, _ := listAllThings(t, s, tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("%+v: %v, want %v", tc.in, got, tc.want)
			}
		}
	})
}
