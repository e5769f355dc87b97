package awskms

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseURL checks that parsing an awskms:// URL never panics, that an
// accepted key identifier has no dot segments, and that errors never quote
// a query value.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"awskms://alias/acme?region=eu-west-1",
		"awskms:///arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"awskms://mrk-1234abcd?region=us-east-1&max_attempts=3&key_id_cache_ttl=1m",
		"awskms://alias/../x", "awskms:///arn:", "awskms://?endpoint=ftp://secretvalue",
		"awskms://k?allowed_key=arn:aws:kms:r:111122223333:key/k&allowed_key=bad",
		"awskms://u:p@h#frag", "awskms:opaque",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		id, err := urlKeyID(u)
		if err == nil {
			for _, seg := range strings.Split(id, "/") {
				if seg == "" || seg == "." || seg == ".." {
					t.Fatalf("accepted key identifier %q", id)
				}
			}
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return
		}
		for name, vs := range q { // the same parameters, with canary values
			for i := range vs {
				vs[i] = fuzzCanary
			}
			q[name] = vs
		}
		_, opts, err := parseParams(q)
		if err == nil {
			_, err = New(dummyClient{}, "alias/x", opts...)
		}
		if err != nil && strings.Contains(err.Error(), fuzzCanary) {
			t.Fatalf("error %q quotes a query value", err)
		}
	})
}

const fuzzCanary = "QQcanaryQQ"

// dummyClient satisfies KMSAPI for New, which makes no call.
type dummyClient struct{ KMSAPI }
