package ecr

import (
	"testing"
)

func TestParseHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host string
		want registryHost
		ok   bool
	}{
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com", registryHost{Account: "123456789012", Region: "eu-west-1"}, true},
		{"123456789012.DKR.ECR.us-gov-west-1.amazonaws.com.", registryHost{Account: "123456789012", Region: "us-gov-west-1"}, true},
		{"123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", registryHost{Account: "123456789012", Region: "us-east-1", FIPS: true}, true},
		{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", registryHost{Account: "123456789012", Region: "cn-north-1", China: true}, true},
		{"123456789012.dkr-ecr.eu-west-1.on.aws", registryHost{Account: "123456789012", Region: "eu-west-1", DualStack: true}, true},
		{"12345678901.dkr.ecr.eu-west-1.amazonaws.com", registryHost{}, false},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example", registryHost{}, false},
		{"public.ecr.aws", registryHost{}, false},
		{"169.254.169.254", registryHost{}, false},
		{"", registryHost{}, false},
	}
	for _, tc := range tests {
		got, err := parseHost(tc.host)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseHost(%q) = %+v, %v", tc.host, got, err)
		}
	}
}

func TestHostOrigins(t *testing.T) {
	t.Parallel()
	for h, want := range map[registryHost][2]string{
		{Account: "123456789012", Region: "eu-west-1"}:               {"123456789012.dkr.ecr.eu-west-1.amazonaws.com", "https://api.ecr.eu-west-1.amazonaws.com"},
		{Account: "123456789012", Region: "us-east-1", FIPS: true}:   {"123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", "https://ecr-fips.us-east-1.amazonaws.com"},
		{Account: "123456789012", Region: "cn-north-1", China: true}: {"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "https://api.ecr.cn-north-1.amazonaws.com.cn"},
	} {
		if h.String() != want[0] || h.apiOrigin() != want[1] {
			t.Errorf("%+v: %s %s", h, h.String(), h.apiOrigin())
		}
	}
	if stsOrigin("cn-north-1") != "https://sts.cn-north-1.amazonaws.com.cn" {
		t.Error(stsOrigin("cn-north-1"))
	}
}

func FuzzParseHost(f *testing.F) {
	for _, s := range []string{"123456789012.dkr.ecr.eu-west-1.amazonaws.com", "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com",
		"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "123456789012.dkr-ecr.eu-west-1.on.aws", "public.ecr.aws", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		h, err := parseHost(host)
		if err != nil {
			return
		}
		// A parsed host re-parses to itself through its canonical form.
		if again, err := parseHost(h.String()); err != nil || again != h {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", host, h, h.String(), again, err)
		}
	})
}
