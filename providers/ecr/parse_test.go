package ecr

import (
	"encoding/base64"
	"strings"
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

func TestDecodeToken(t *testing.T) {
	t.Parallel()
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		tok, want string
	}{
		{enc("AWS:pass:with:colons"), "pass:with:colons"},
		{enc("aws:pass"), ""},
		{enc("AWS:"), ""},
		{enc("AWS"), ""},
		{enc("AWS:pa\nss"), ""},
		{"not base64!", ""},
		{base64.RawStdEncoding.EncodeToString([]byte("AWS:p")), ""},
		{strings.Repeat("A", maxTokenLen+4), ""},
	}
	for _, tc := range tests {
		got, err := decodeToken(tc.tok)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("decodeToken(%.20q) = %q, %v", tc.tok, got, err)
		}
		if err != nil && strings.Contains(err.Error(), tc.tok) {
			t.Errorf("error quotes the token")
		}
	}
}

func TestParseProxy(t *testing.T) {
	t.Parallel()
	for raw, ok := range map[string]bool{
		"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com":      true,
		"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/":     true,
		"https://123456789012.dkr.ecr.eu-west-2.amazonaws.com":      false,
		"http://123456789012.dkr.ecr.eu-west-1.amazonaws.com":       false,
		"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com:444":  false,
		"https://u:p@123456789012.dkr.ecr.eu-west-1.amazonaws.com":  false,
		"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/x":    false,
		"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/?q=1": false,
		"https://169.254.169.254":                                   false,
		"":                                                          false,
	} {
		if _, err := parseProxy(raw, "eu-west-1"); (err == nil) != ok {
			t.Errorf("parseProxy(%q) = %v", raw, err)
		}
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

func FuzzDecodeToken(f *testing.F) {
	for _, s := range []string{"QVdTOnBhc3M=", "QVdTOg==", "", "!!", "YXdzOnBhc3M="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		pass, err := decodeToken(tok)
		if err != nil {
			if pass != "" {
				t.Fatal("password with error")
			}
			return
		}
		raw, _ := base64.StdEncoding.DecodeString(tok)
		if string(raw) != "AWS:"+pass || pass == "" {
			t.Fatalf("decoded %q from %q", pass, raw)
		}
	})
}

func FuzzParseProxy(f *testing.F) {
	for _, s := range []string{"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com", "https://169.254.169.254/", "http://x", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		h, err := parseProxy(raw, "eu-west-1")
		if err == nil && h.Region != "eu-west-1" {
			t.Fatalf("%q accepted in region %s", raw, h.Region)
		}
	})
}

func FuzzBearerToken(f *testing.F) {
	f.Add(`{"token":"t"}`)
	f.Add(`{"access_token":"t"}`)
	f.Add(`{"token":"a\nb"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		tok, ok := bearerToken([]byte(body))
		if ok && (tok == "" || strings.ContainsAny(tok, "\r\n")) {
			t.Fatalf("accepted %q", tok)
		}
	})
}
