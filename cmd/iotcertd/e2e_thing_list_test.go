package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// tlDescribe returns a thing's attributes and version.
func tlDescribe(tb testing.TB, c *iot.Client, name string) (map[string]string, int64) {
	tb.Helper()
	out := must(c.DescribeThing(context.Background(), &iot.DescribeThingInput{ThingName: aws.String(name)})).T(tb)
	return out.Attributes, out.Version
}

// TestUpdateThing checks UpdateThing: merge and replace, removal by empty value,
// versions, expectedVersion and the thing-type members.
func TestUpdateThing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	const name = "thing-updated"
	must(a.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String(name),
		AttributePayload: &types.AttributePayload{Attributes: map[string]string{"colour": "red", "size": "L"}}})).T(t)
	update := func(in *iot.UpdateThingInput) error {
		in.ThingName = aws.String(name)
		_, err := a.UpdateThing(ctx, in)
		return err
	}
	expect := func(wantAttrs map[string]string, wantVersion int64) {
		t.Helper()
		attrs, version := tlDescribe(t, a, name)
		if !maps.Equal(attrs, wantAttrs) || version != wantVersion {
			t.Fatalf("thing has attributes %v version %d, want %v version %d", attrs, version, wantAttrs, wantVersion)
		}
	}
	expect(map[string]string{"colour": "red", "size": "L"}, 1)

	t.Run("merge", func(t *testing.T) {
		if err := update(&iot.UpdateThingInput{AttributePayload: &types.AttributePayload{Merge: true,
			Attributes: map[string]string{"colour": "blue", "size": "", "weight": "10"}}}); err != nil {
			t.Fatal(err)
		}
		expect(map[string]string{"colour": "blue", "weight": "10"}, 2)
		// Removing an attribute the thing lacks changes nothing but the version.
		if err := update(&iot.UpdateThingInput{AttributePayload: &types.AttributePayload{Merge: true,
			Attributes: map[string]string{"absent": ""}}}); err != nil {
			t.Fatal(err)
		}
		expect(map[string]string{"colour": "blue", "weight": "10"}, 3)
	})

	t.Run("replace", func(t *testing.T) {
		if err := update(&iot.UpdateThingInput{AttributePayload: &types.AttributePayload{
			Attributes: map[string]string{"a": "1", "b": "", "c": "x:y/z#[0]"}}}); err != nil {
			t.Fatal(err)
		}
		expect(map[string]string{"a": "1", "c": "x:y/z#[0]"}, 4)
		// An update without a payload keeps the attributes.
		if err := update(&iot.UpdateThingInput{}); err != nil {
			t.Fatal(err)
		}
		expect(map[string]string{"a": "1", "c": "x:y/z#[0]"}, 5)
		if err := update(&iot.UpdateThingInput{AttributePayload: &types.AttributePayload{Attributes: map[string]string{}}}); err != nil {
			t.Fatal(err)
		}
		expect(map[string]string{}, 6)
	})

	t.Run("expectedVersion", func(t *testing.T) {
		err := update(&iot.UpdateThingInput{ExpectedVersion: aws.Int64(5),
			AttributePayload: &types.AttributePayload{Attributes: map[string]string{"stale": "1"}}})
		requireCode[*types.VersionConflictException](t, err, 409)
		expect(map[string]string{}, 6)
		if err := update(&iot.UpdateThingInput{ExpectedVersion: aws.Int64(6),
			AttributePayload: &types.AttributePayload{Attributes: map[string]string{"fresh": "1"}}}); err != nil {
			t.Fatal(err)
		}
		expect(map[string]string{"fresh": "1"}, 7)
		// DeleteThing honours the version UpdateThing advanced.
		_, err = a.DeleteThing(ctx, &iot.DeleteThingInput{ThingName: aws.String(name), ExpectedVersion: aws.Int64(6)})
		requireCode[*types.VersionConflictException](t, err, 409)
	})

	t.Run("thing types", func(t *testing.T) {
		requireCode[*types.ResourceNotFoundException](t, update(&iot.UpdateThingInput{ThingTypeName: aws.String("sensor")}), 404)
		requireCode[*types.InvalidRequestException](t, update(&iot.UpdateThingInput{ThingTypeName: aws.String("sensor"), RemoveThingType: true}), 400)
		requireCode[*types.InvalidRequestException](t, update(&iot.UpdateThingInput{ThingTypeName: aws.String("bad type")}), 400)
		if err := update(&iot.UpdateThingInput{RemoveThingType: true}); err != nil {
			t.Fatal(err)
		}
		expect(map[string]string{"fresh": "1"}, 8)
	})

	t.Run("errors", func(t *testing.T) {
		err := update(&iot.UpdateThingInput{AttributePayload: &types.AttributePayload{Merge: true,
			Attributes: map[string]string{"a": "1", "b": "2", "c": "3"}}})
		requireCode[*types.InvalidRequestException](t, err, 400) // four attributes with "fresh"
		err = update(&iot.UpdateThingInput{AttributePayload: &types.AttributePayload{Attributes: map[string]string{"bad name": "1"}}})
		requireCode[*types.InvalidRequestException](t, err, 400)
		err = update(&iot.UpdateThingInput{AttributePayload: &types.AttributePayload{Attributes: map[string]string{"a": "bad value"}}})
		requireCode[*types.InvalidRequestException](t, err, 400)
		expect(map[string]string{"fresh": "1"}, 8)
		_, err = a.UpdateThing(ctx, &iot.UpdateThingInput{ThingName: aws.String("thing-absent")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = b.UpdateThing(ctx, &iot.UpdateThingInput{ThingName: aws.String(name)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = a.UpdateThing(ctx, &iot.UpdateThingInput{ThingName: aws.String("bad/name")})
		requireCode[*types.InvalidRequestException](t, err, 400)
	})
}

// tlListThings pages through ListThings with the SDK paginator and returns the names and
// the number of pages.
func tlListThings(tb testing.TB, c *iot.Client, in iot.ListThingsInput) ([]string, int) {
	tb.Helper()
	var names []string
	pages := 0
	p := iot.NewListThingsPaginator(c, &in)
	for p.HasMorePages() {
		pages++
		if pages > 200 {
			tb.Fatal("ListThings paginator does not end")
		}
		page := must(p.NextPage(context.Background())).T(tb)
		if in.MaxResults != nil && len(page.Things) > int(*in.MaxResults) {
			tb.Fatalf("page of %d things with maxResults %d", len(page.Things), *in.MaxResults)
		}
		for _, th := range page.Things {
			names = append(names, aws.ToString(th.ThingName))
		}
	}
	return names, pages
}

// TestListThings checks ListThings: keyset pages by name, the attribute and type filters,
// and isolation between accounts.
func TestListThings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	if got, _ := tlListThings(t, a, iot.ListThingsInput{}); len(got) != 0 {
		t.Fatalf("a new account lists things %v", got)
	}
	colours := []string{"red", "green", "blue", "red-dark", "redder", ""}
	var all []string
	byColour := map[string][]string{}
	for i := range 14 {
		name := fmt.Sprintf("thing-%02d", (i*5)%14) // created out of name order
		attrs := map[string]string{"index": fmt.Sprint((i * 5) % 14)}
		if c := colours[i%len(colours)]; c != "" {
			attrs["colour"] = c
			byColour[c] = append(byColour[c], name)
		}
		must(a.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String(name),
			AttributePayload: &types.AttributePayload{Attributes: attrs}})).T(t)
		all = append(all, name)
	}
	must(b.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("thing-of-b"),
		AttributePayload: &types.AttributePayload{Attributes: map[string]string{"colour": "red"}}})).T(t)
	slices.Sort(all)
	for _, names := range byColour {
		slices.Sort(names)
	}

	t.Run("pages", func(t *testing.T) {
		for _, max := range []int32{1, 3, 14, 250} {
			got, pages := tlListThings(t, a, iot.ListThingsInput{MaxResults: aws.Int32(max)})
			if !slices.Equal(got, all) {
				t.Errorf("maxResults %d: %v", max, got)
			}
			if want := (len(all) + int(max) - 1) / int(max); pages != want {
				t.Errorf("maxResults %d: %d pages, want %d", max, pages, want)
			}
		}
		out := must(a.ListThings(ctx, &iot.ListThingsInput{MaxResults: aws.Int32(2)})).T(t)
		th := out.Things[0]
		if aws.ToString(th.ThingName) != all[0] || aws.ToString(th.ThingArn) != ptThingARN(acctA, all[0]) ||
			th.Version != 1 || th.Attributes["index"] != "0" || th.ThingTypeName != nil || out.NextToken == nil {
			t.Errorf("first thing %+v, nextToken %v", th, out.NextToken)
		}
		if got, _ := tlListThings(t, b, iot.ListThingsInput{}); !slices.Equal(got, []string{"thing-of-b"}) {
			t.Errorf("account B lists %v", got)
		}
	})

	t.Run("filters", func(t *testing.T) {
		var withColour []string
		for _, names := range byColour {
			withColour = append(withColour, names...)
		}
		slices.Sort(withColour)
		prefixRed := slices.Sorted(slices.Values(append(append(slices.Clone(byColour["red"]), byColour["red-dark"]...), byColour["redder"]...)))
		for _, tc := range []struct {
			name string
			in   iot.ListThingsInput
			want []string
		}{
			{"exact value", iot.ListThingsInput{AttributeName: aws.String("colour"), AttributeValue: aws.String("red")}, byColour["red"]},
			{"exact value, small pages", iot.ListThingsInput{AttributeName: aws.String("colour"), AttributeValue: aws.String("red"), MaxResults: aws.Int32(1)}, byColour["red"]},
			{"prefix", iot.ListThingsInput{AttributeName: aws.String("colour"), AttributeValue: aws.String("red"), UsePrefixAttributeValue: true, MaxResults: aws.Int32(2)}, prefixRed},
			{"prefix that is a whole value", iot.ListThingsInput{AttributeName: aws.String("colour"), AttributeValue: aws.String("green"), UsePrefixAttributeValue: true}, byColour["green"]},
			{"no match", iot.ListThingsInput{AttributeName: aws.String("colour"), AttributeValue: aws.String("re")}, nil},
			{"name only", iot.ListThingsInput{AttributeName: aws.String("colour"), MaxResults: aws.Int32(4)}, withColour},
			{"absent attribute", iot.ListThingsInput{AttributeName: aws.String("weight")}, nil},
			{"thing type", iot.ListThingsInput{ThingTypeName: aws.String("sensor")}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, _ := tlListThings(t, a, tc.in)
				if !slices.Equal(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			})
		}
		// Updates show in the filtered listing.
		must(a.UpdateThing(ctx, &iot.UpdateThingInput{ThingName: aws.String(byColour["green"][0]),
			AttributePayload: &types.AttributePayload{Merge: true, Attributes: map[string]string{"colour": "red"}}})).T(t)
		got, _ := tlListThings(t, a, iot.ListThingsInput{AttributeName: aws.String("colour"), AttributeValue: aws.String("red")})
		if want := slices.Sorted(slices.Values(append(slices.Clone(byColour["red"]), byColour["green"][0]))); !slices.Equal(got, want) {
			t.Errorf("after an update: %v, want %v", got, want)
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, in := range []*iot.ListThingsInput{
			{AttributeValue: aws.String("red")},
			{AttributeName: aws.String("bad name"), AttributeValue: aws.String("red")},
			{AttributeName: aws.String("colour"), AttributeValue: aws.String("bad value")},
			{ThingTypeName: aws.String("bad type")},
			{NextToken: aws.String("not a token")},
			{MaxResults: aws.Int32(0)},
			{MaxResults: aws.Int32(251)},
		} {
			_, err := a.ListThings(ctx, in)
			requireCode[*types.InvalidRequestException](t, err, 400)
		}
	})
}
