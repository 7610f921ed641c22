package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// tgTags pages through ListTagsForResource with the SDK paginator and returns the tags as
// "key=value" and the number of pages.
func tgTags(tb testing.TB, c *iot.Client, arn string) ([]string, int) {
	tb.Helper()
	var out []string
	pages := 0
	p := iot.NewListTagsForResourcePaginator(c, &iot.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	for p.HasMorePages() {
		pages++
		if pages > 20 {
			tb.Fatal("ListTagsForResource paginator does not end")
		}
		page := must(p.NextPage(context.Background())).T(tb)
		for _, t := range page.Tags {
			out = append(out, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
		}
	}
	return out, pages
}

func tgList(tags ...string) []types.Tag {
	out := make([]types.Tag, len(tags))
	for i, kv := range tags {
		k, v, _ := strings.Cut(kv, "=")
		out[i] = types.Tag{Key: aws.String(k), Value: aws.String(v)}
	}
	return out
}

// TestTags checks TagResource, UntagResource and ListTagsForResource on policies, the tags
// CreatePolicy sets, the limit of 50, and the resources that cannot be tagged.
func TestTags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	const name = "p-tagged"
	arn := ptPolicyARN(acctA, name)
	must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(testPolicyDoc),
		Tags: tgList("team=iot", "empty=")})).T(t)
	tag := func(c *iot.Client, arn string, tags ...string) error {
		_, err := c.TagResource(ctx, &iot.TagResourceInput{ResourceArn: aws.String(arn), Tags: tgList(tags...)})
		return err
	}
	untag := func(c *iot.Client, arn string, keys ...string) error {
		_, err := c.UntagResource(ctx, &iot.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
		return err
	}
	expect := func(want ...string) {
		t.Helper()
		got, _ := tgTags(t, a, arn)
		if !slices.Equal(got, want) {
			t.Fatalf("tags %v, want %v", got, want)
		}
	}

	t.Run("CreatePolicy tags", func(t *testing.T) {
		expect("empty=", "team=iot")
	})

	t.Run("tag, retag, untag", func(t *testing.T) {
		if err := tag(a, arn, "team=platform", "Zone=eu", "ключ=значение", "k:/+-@. x=v=w"); err != nil {
			t.Fatal(err)
		}
		expect("Zone=eu", "empty=", "k:/+-@. x=v=w", "team=platform", "ключ=значение")
		if err := untag(a, arn, "team", "absent", "Zone"); err != nil {
			t.Fatal(err)
		}
		expect("empty=", "k:/+-@. x=v=w", "ключ=значение")
		if _, err := a.UntagResource(ctx, &iot.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{}}); err != nil {
			t.Fatal(err) // no keys: nothing changes
		}
		expect("empty=", "k:/+-@. x=v=w", "ключ=значение")
	})

	t.Run("fifty tags, two pages", func(t *testing.T) {
		if err := untag(a, arn, "empty", "k:/+-@. x", "ключ"); err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := range 50 {
			want = append(want, fmt.Sprintf("key-%02d=value-%d", i, i))
		}
		if err := tag(a, arn, want[:30]...); err != nil {
			t.Fatal(err)
		}
		if err := tag(a, arn, want[25:]...); err != nil { // overlapping keys count once
			t.Fatal(err)
		}
		got, pages := tgTags(t, a, arn)
		if !slices.Equal(got, want) || pages != 2 {
			t.Fatalf("%d pages of tags %v", pages, got)
		}
		requireCode[*types.LimitExceededException](t, tag(a, arn, "one-too-many=x"), 410)
		// Changing the value of a key the policy has is fine at the limit.
		if err := tag(a, arn, "key-00=changed"); err != nil {
			t.Fatal(err)
		}
		if err := untag(a, arn, "key-49"); err != nil {
			t.Fatal(err)
		}
		if err := tag(a, arn, "one-more=x"); err != nil {
			t.Fatal(err)
		}
		requireCode[*types.LimitExceededException](t, tag(a, arn, "and-another=x"), 410)
		out := must(a.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(arn)})).T(t)
		if len(out.Tags) != 25 || aws.ToString(out.Tags[0].Value) != "changed" || out.NextToken == nil {
			t.Fatalf("first page: %d tags, first %s=%s, nextToken %v", len(out.Tags), aws.ToString(out.Tags[0].Key),
				aws.ToString(out.Tags[0].Value), out.NextToken)
		}
	})

	t.Run("invalid tags", func(t *testing.T) {
		for _, tags := range [][]string{
			{"aws:reserved=x"},
			{"AWS:Reserved=x"},
			{"=empty key"},
			{strings.Repeat("k", 129) + "=x"},
			{"k=" + strings.Repeat("v", 257)},
			{"bad*key=x"},
			{"dup=1", "dup=2"},
		} {
			requireCode[*types.InvalidRequestException](t, tag(a, arn, tags...), 400)
		}
		requireCode[*types.InvalidRequestException](t, untag(a, arn, strings.Repeat("k", 129)), 400)
		_, err := a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p-bad-tags"), PolicyDocument: aws.String(testPolicyDoc),
			Tags: tgList("aws:x=1")})
		requireCode[*types.InvalidRequestException](t, err, 400)
		_, err = a.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String("p-bad-tags")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
	})

	t.Run("resources", func(t *testing.T) {
		certARN := ptNewCertARN(t, a)
		must(a.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("t-tagged")})).T(t)
		for _, tc := range []struct {
			name, arn string
			status    int
		}{
			{"device certificate", certARN, 400},
			{"thing", ptThingARN(acctA, "t-tagged"), 400},
			{"not an ARN", "p-tagged", 400},
			{"not an IoT ARN", "arn:aws:s3:::bucket/key", 400},
			{"absent policy", ptPolicyARN(acctA, "p-absent"), 404},
			{"another account's policy", ptPolicyARN(acctB, name), 404},
			{"another region's policy", "arn:aws:iot:eu-west-1:" + acctA + ":policy/" + name, 404},
			{"another partition", "arn:aws-cn:iot:us-east-1:" + acctA + ":policy/" + name, 404},
			{"thing group", "arn:aws:iot:us-east-1:" + acctA + ":thinggroup/g", 404},
			{"absent CA certificate", "arn:aws:iot:us-east-1:" + acctA + ":cacert/" + stringOf('c', 64), 404},
		} {
			t.Run(tc.name, func(t *testing.T) {
				check := func(err error) {
					t.Helper()
					if tc.status == 400 {
						requireCode[*types.InvalidRequestException](t, err, 400)
					} else {
						requireCode[*types.ResourceNotFoundException](t, err, 404)
					}
				}
				check(tag(a, tc.arn, "k=v"))
				check(untag(a, tc.arn, "k"))
				_, err := a.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(tc.arn)})
				check(err)
			})
		}
		// Account B has its own policy of the same name, with its own tags.
		must(b.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
		if err := tag(b, ptPolicyARN(acctB, name), "owner=b"); err != nil {
			t.Fatal(err)
		}
		if got, _ := tgTags(t, b, ptPolicyARN(acctB, name)); !slices.Equal(got, []string{"owner=b"}) {
			t.Errorf("account B's tags %v", got)
		}
		_, err := a.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(arn), NextToken: aws.String("bad token")})
		requireCode[*types.InvalidRequestException](t, err, 400)
	})

	t.Run("CA certificates", func(t *testing.T) {
		_, _, caPEM := ctMakeCert(t, ctCertSpec{isCA: true})
		out := must(a.RegisterCACertificate(ctx, &iot.RegisterCACertificateInput{CaCertificate: aws.String(caPEM),
			CertificateMode: types.CertificateModeSniOnly, Tags: tgList("ca=root")})).T(t)
		caARN := aws.ToString(out.CertificateArn)
		if got, _ := tgTags(t, a, caARN); !slices.Equal(got, []string{"ca=root"}) {
			t.Fatalf("CA certificate tags %v", got)
		}
		if err := tag(a, caARN, "env=test"); err != nil {
			t.Fatal(err)
		}
		if got, _ := tgTags(t, a, caARN); !slices.Equal(got, []string{"ca=root", "env=test"}) {
			t.Fatalf("CA certificate tags %v", got)
		}
		// The ID may be given in upper case, as certificate IDs may.
		upper := strings.TrimSuffix(caARN, aws.ToString(out.CertificateId)) + strings.ToUpper(aws.ToString(out.CertificateId))
		if got, _ := tgTags(t, a, upper); !slices.Equal(got, []string{"ca=root", "env=test"}) {
			t.Fatalf("CA certificate tags by an upper-case ARN %v", got)
		}
		_, err := b.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(caARN)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
	})

	t.Run("deleting the policy deletes its tags", func(t *testing.T) {
		must(a.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: aws.String(name)})).T(t)
		_, err := a.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
		expect()
		out := must(a.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(arn)})).T(t)
		if len(out.Tags) != 0 || out.NextToken != nil {
			t.Errorf("tags of an untagged policy: %v, nextToken %v", out.Tags, out.NextToken)
		}
	})
}
