package awskms

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/credvault/credvault/kek"
)

// Scheme is the URL scheme this package registers with kek.RegisterScheme.
// gocloud's awskms driver uses the same scheme; kek.Open routes it here,
// and kek/gocloud.Open still reaches gocloud's driver directly.
const Scheme = "awskms"

// ErrInvalidURL: an awskms:// URL is malformed. Its messages never quote
// the URL's query.
var ErrInvalidURL = fmt.Errorf("awskms: invalid URL: %w", kek.ErrInvalidInput)

func init() { kek.RegisterScheme(Scheme, openURL) }

// urlParams are the query parameters an awskms:// URL accepts.
var urlParams = []string{"region", "endpoint", "profile", "max_attempts", "allowed_key", "key_id_cache_ttl"}

// openURL opens a KEK from a URL that follows gocloud's awskms convention:
// the key identifier is host and path joined, with the leading "/" of an
// empty host dropped, so
//
//	awskms://1234abcd-12ab-34cd-56ef-1234567890ab?region=eu-west-1   key ID
//	awskms://mrk-1234abcd12ab34cd56ef1234567890ab?region=eu-west-1   multi-Region key ID
//	awskms://alias/credvault-acme?region=eu-west-1                    alias name
//	awskms:///arn:aws:kms:eu-west-1:111122223333:key/1234abcd-...     key ARN (three slashes)
//	awskms:///arn:aws:kms:eu-west-1:111122223333:alias/credvault-acme alias ARN
//
// Query parameters: region (defaults to an ARN's Region, then to the
// SDK's default configuration), endpoint (an https KMS endpoint URL, such
// as a VPC endpoint; plain http only to loopback, for tests), profile (a
// shared-config profile), max_attempts (WithMaxAttempts), allowed_key (a
// key ARN for WithAllowedKeys; repeat it for several) and
// key_id_cache_ttl (WithKeyIDCacheTTL, a Go duration). Credentials come
// from config.LoadDefaultConfig. Clients are shared between URLs with the
// same region, endpoint and profile.
func openURL(ctx context.Context, u *url.URL) (kek.KEK, error) {
	keyID, err := urlKeyID(u)
	if err != nil {
		return nil, err
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w: malformed query", ErrInvalidURL)
	}
	cc, opts, err := parseParams(q)
	if err != nil {
		return nil, err
	}
	if cc.region == "" && strings.HasPrefix(keyID, "arn:") {
		cc.region = strings.Split(keyID, ":")[3]
	}
	client, err := clientFor(ctx, cc)
	if err != nil {
		return nil, err
	}
	return New(client, keyID, opts...)
}

// urlKeyID extracts the KMS key identifier from u.
func urlKeyID(u *url.URL) (string, error) {
	if u.Opaque != "" || u.User != nil || u.Fragment != "" {
		return "", fmt.Errorf("%w: want awskms://<key id or alias/name>?<params> or awskms:///<ARN>?<params>", ErrInvalidURL)
	}
	id := strings.TrimPrefix(u.Host+u.Path, "/")
	if id == "" || strings.Contains(id, "//") || strings.HasSuffix(id, "/") {
		return "", fmt.Errorf("%w: missing or malformed key identifier", ErrInvalidURL)
	}
	for _, seg := range strings.Split(id, "/") {
		if seg == "." || seg == ".." {
			return "", fmt.Errorf("%w: dot segment in key identifier", ErrInvalidURL)
		}
	}
	if strings.HasPrefix(id, "arn:") && len(strings.Split(id, ":")) < 6 {
		return "", fmt.Errorf("%w: malformed ARN", ErrInvalidURL)
	}
	return id, nil
}

// clientConfig selects a shared KMS client.
type clientConfig struct{ region, endpoint, profile string }

// parseParams reads the query. Errors name the parameter, never a value.
func parseParams(q url.Values) (clientConfig, []Option, error) {
	var cc clientConfig
	var opts []Option
	for name, vs := range q {
		if !known(name) {
			return cc, nil, fmt.Errorf("%w: unknown query parameter (accepted: %s)", ErrInvalidURL, strings.Join(urlParams, ", "))
		}
		if name != "allowed_key" && len(vs) != 1 {
			return cc, nil, fmt.Errorf("%w: parameter %s given %d times", ErrInvalidURL, name, len(vs))
		}
		o, err := cc.set(name, vs)
		if err != nil {
			return cc, nil, err
		}
		if o != nil {
			opts = append(opts, o)
		}
	}
	return cc, opts, nil
}

func known(name string) bool {
	for _, p := range urlParams {
		if p == name {
			return true
		}
	}
	return false
}

// set applies one parameter, returning a KEK option for the KEK-level ones.
func (cc *clientConfig) set(name string, vs []string) (Option, error) {
	v := vs[0]
	switch name {
	case "region":
		cc.region = v
	case "endpoint":
		if !validEndpoint(v) {
			return nil, fmt.Errorf("%w: endpoint must be an https URL (http only on loopback)", ErrInvalidURL)
		}
		cc.endpoint = v
	case "profile":
		cc.profile = v
	case "max_attempts":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 20 {
			return nil, fmt.Errorf("%w: max_attempts must be 1 to 20", ErrInvalidURL)
		}
		return WithMaxAttempts(n), nil
	case "allowed_key":
		return WithAllowedKeys(vs...), nil
	case "key_id_cache_ttl":
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%w: key_id_cache_ttl must be a non-negative Go duration", ErrInvalidURL)
		}
		return WithKeyIDCacheTTL(d), nil
	}
	return nil, nil
}

// validEndpoint accepts https URLs, and http URLs to a loopback address
// (tests, local proxies): Encrypt requests carry the plaintext DEK, so
// they never cross a network unencrypted.
func validEndpoint(v string) bool {
	e, err := url.Parse(v)
	if err != nil || e.Host == "" || e.User != nil {
		return false
	}
	switch e.Scheme {
	case "https":
		return true
	case "http":
		if e.Hostname() == "localhost" {
			return true
		}
		ip, err := netip.ParseAddr(e.Hostname())
		return err == nil && ip.IsLoopback()
	}
	return false
}

// clients caches one KMS client per clientConfig, so a resolver opening a
// KEK per org shares connections and credentials.
var clients = struct {
	sync.Mutex
	m map[clientConfig]*kms.Client
}{m: map[clientConfig]*kms.Client{}}

// clientFor returns the shared client for cc, loading the SDK's default
// configuration on first use. A failure is not cached.
func clientFor(ctx context.Context, cc clientConfig) (*kms.Client, error) {
	clients.Lock()
	defer clients.Unlock()
	if c, ok := clients.m[cc]; ok {
		return c, nil
	}
	var lo []func(*config.LoadOptions) error
	if cc.region != "" {
		lo = append(lo, config.WithRegion(cc.region))
	}
	if cc.profile != "" {
		lo = append(lo, config.WithSharedConfigProfile(cc.profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		// The SDK's message may quote the profile name: keep it out.
		return nil, &Error{Op: "LoadDefaultConfig", kind: kek.ErrInvalidInput, Err: errString("cannot load the AWS SDK configuration (check region, profile and credentials)")}
	}
	if cfg.Region == "" {
		return nil, &Error{Op: "LoadDefaultConfig", kind: kek.ErrInvalidInput, Err: errString("no AWS Region: add ?region= to the URL or set AWS_REGION")}
	}
	var ko []func(*kms.Options)
	if cc.endpoint != "" {
		ko = append(ko, func(o *kms.Options) { o.BaseEndpoint = aws.String(cc.endpoint) })
	}
	c := kms.NewFromConfig(cfg, ko...)
	clients.m[cc] = c
	return c, nil
}

// errString is an error with a fixed message.
type errString string

func (e errString) Error() string { return string(e) }
