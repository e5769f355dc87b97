package pull

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/aademu"
	"github.com/credvault/credvault/internal/ecremu"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/internal/gcpemu"
	"github.com/credvault/credvault/internal/registry"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	_ "github.com/credvault/credvault/providers/all" // the cloud exchanges
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// canary is in every stored secret; no error may show it.
const canary = "CANARY7f3a9c21"

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeExchange mints numbered tokens living for life on the test clock,
// or fails with fail when set.
type fakeExchange struct {
	clock *clock
	life  time.Duration
	calls atomic.Int64
	fail  atomic.Pointer[registry.Result]
	gate  chan struct{} // when non-nil, each exchange waits for it to close
}

func (f *fakeExchange) exchange(_ context.Context, e vault.Entry) (registry.Grant, *registry.Result, int) {
	if f.gate != nil {
		<-f.gate
	}
	n := f.calls.Add(1)
	if r := f.fail.Load(); r != nil {
		return registry.Grant{}, r, 1
	}
	l := registry.LoginFor(e.Credential)
	return registry.Grant{Username: l.Username, Password: credentials.NewSecret(fmt.Sprintf("tok-%d-%s", n, l.Password.Reveal())),
		Expires: f.clock.Now().Add(f.life)}, nil, 1
}

func newVault(t testing.TB) (*vault.Vault, *memstore.Store) {
	t.Helper()
	root, err := local.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	m, err := local.Open(t.TempDir(), root)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	v, err := vault.New(st, m)
	if err != nil {
		t.Fatal(err)
	}
	return v, st
}

func put(t testing.TB, v *vault.Vault, reg string, e vault.Entry) vault.Key {
	t.Helper()
	k := vault.Key{Org: "acme", Registry: reg}
	if e.Provider == "" {
		e.Provider = providers.GHCR
	}
	if e.Credential == nil {
		e.Credential = credentials.UsernamePat{Username: "bot", Pat: credentials.NewSecret("ghp_" + canary + reg)}
	}
	if _, err := v.Put(context.Background(), k, e); err != nil {
		t.Fatal(err)
	}
	return k
}

// fixture is an Authorizer over a fresh vault with a fake exchange.
func fixture(t testing.TB, life time.Duration, opts Options) (*Authorizer, *vault.Vault, *clock, *fakeExchange) {
	t.Helper()
	v, _ := newVault(t)
	c := newClock()
	opts.Clock = c.Now
	a := New(v, opts)
	f := &fakeExchange{clock: c, life: life}
	a.exchange = f.exchange
	return a, v, c, f
}

func authorize(t testing.TB, a *Authorizer, k vault.Key) Credential {
	t.Helper()
	cred, err := a.Authorize(context.Background(), k, "")
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func TestAuthorizeRefreshesAheadOfExpiry(t *testing.T) {
	t.Parallel()
	a, v, c, f := fixture(t, time.Hour, Options{})
	k := put(t, v, "ghcr", vault.Entry{})
	first := authorize(t, a, k)
	c.Advance(time.Hour - DefaultMargin - time.Second)
	if got := authorize(t, a, k); !got.Secret.Equal(first.Secret) || f.calls.Load() != 1 {
		t.Fatalf("inside the margin: %d exchanges, same token %v", f.calls.Load(), got.Secret.Equal(first.Secret))
	}
	c.Advance(2 * time.Second)
	if got := authorize(t, a, k); got.Secret.Equal(first.Secret) || f.calls.Load() != 2 {
		t.Fatalf("past the margin: %d exchanges, refreshed %v", f.calls.Load(), !got.Secret.Equal(first.Secret))
	}
}

func TestAuthorizeShortLifetimeRefreshesAtHalf(t *testing.T) {
	t.Parallel()
	a, v, c, f := fixture(t, 4*time.Minute, Options{})
	k := put(t, v, "ghcr", vault.Entry{})
	authorize(t, a, k)
	c.Advance(119 * time.Second)
	authorize(t, a, k)
	c.Advance(2 * time.Second)
	authorize(t, a, k)
	if f.calls.Load() != 2 {
		t.Fatalf("%d exchanges, want 2 (refresh at half of a lifetime below twice the margin)", f.calls.Load())
	}
}

func TestAuthorizeNewVersionNeverServesOldToken(t *testing.T) {
	t.Parallel()
	a, v, c, f := fixture(t, time.Hour, Options{Recheck: -1})
	k := put(t, v, "ghcr", vault.Entry{})
	first := authorize(t, a, k)
	put(t, v, "ghcr", vault.Entry{Credential: credentials.UsernamePat{Username: "bot2", Pat: credentials.NewSecret("ghp_new" + canary)}})
	got := authorize(t, a, k)
	if got.Username != "bot2" || got.Secret.Equal(first.Secret) || f.calls.Load() != 2 {
		t.Fatalf("after an update: user %s, %d exchanges", got.Username, f.calls.Load())
	}
	// With the default recheck, the update is seen once the window passed.
	b, v2, c2, f2 := fixture(t, time.Hour, Options{})
	k = put(t, v2, "ghcr", vault.Entry{})
	authorize(t, b, k)
	put(t, v2, "ghcr", vault.Entry{Credential: credentials.UsernamePat{Username: "bot2", Pat: credentials.NewSecret("ghp_new" + canary)}})
	c2.Advance(DefaultRecheck)
	if got := authorize(t, b, k); got.Username != "bot2" || f2.calls.Load() != 2 {
		t.Fatalf("after the recheck window: user %s, %d exchanges", got.Username, f2.calls.Load())
	}
	_ = c
}

func TestAuthorizeFailedRefresh(t *testing.T) {
	t.Parallel()
	a, v, c, f := fixture(t, time.Hour, Options{})
	k := put(t, v, "ghcr", vault.Entry{})
	first := authorize(t, a, k)
	f.fail.Store(&registry.Result{Status: registry.StatusUnreachable, Message: "connection refused"})
	c.Advance(time.Hour - time.Minute) // due, not expired
	if got := authorize(t, a, k); !got.Secret.Equal(first.Secret) {
		t.Fatal("a failed refresh before expiry must serve the old credential")
	}
	for range 100 { // an outage is retried once per recheck window, not on every call
		authorize(t, a, k)
	}
	if f.calls.Load() != 2 {
		t.Fatalf("%d exchanges during the outage window, want 2 (the first and one failed refresh)", f.calls.Load())
	}
	c.Advance(DefaultRecheck)
	authorize(t, a, k)
	if f.calls.Load() != 3 {
		t.Fatalf("%d exchanges after the recheck window, want 3", f.calls.Load())
	}
	c.Advance(time.Minute - DefaultRecheck) // expired now
	_, err := a.Authorize(context.Background(), k, "")
	if !errors.Is(err, ErrExpired) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err %v, want ErrExpired and ErrUnavailable", err)
	}
	requireClean(t, err)
	f.fail.Store(nil)
	if got := authorize(t, a, k); !c.Now().Before(got.Expires) {
		t.Fatal("served an expired credential")
	}
}

func TestAuthorizeSingleflight(t *testing.T) {
	t.Parallel()
	a, v, _, f := fixture(t, time.Hour, Options{})
	f.gate = make(chan struct{})
	k := put(t, v, "ghcr", vault.Entry{})
	const callers = 1000
	var wg, started sync.WaitGroup
	started.Add(callers)
	errs := make(chan error, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			_, err := a.Authorize(context.Background(), k, "")
			errs <- err
		}()
	}
	started.Wait()
	close(f.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d exchanges for %d concurrent callers on a cold key, want 1", n, callers)
	}
}

// TestAuthorizeSteadyDay runs a day of pulls a minute apart against ECR-like
// 12-hour tokens: one exchange per token lifetime per record, and never an
// expired credential.
func TestAuthorizeSteadyDay(t *testing.T) {
	t.Parallel()
	a, v, c, f := fixture(t, 12*time.Hour, Options{})
	keys := []vault.Key{put(t, v, "a", vault.Entry{}), put(t, v, "b", vault.Entry{}), put(t, v, "c", vault.Entry{})}
	exchanges, expired := steadyDay(t, a, c, f, keys)
	// 12 h lifetimes refreshed 5 min early: at 0, 11h55 and 23h50.
	if want := int64(3 * len(keys)); exchanges != want || expired != 0 {
		t.Fatalf("%d exchanges (want %d), %d expired credentials served", exchanges, want, expired)
	}
}

// steadyDay authorizes every key once a minute for 24 simulated hours and
// returns the exchanges run and the expired credentials served.
func steadyDay(t testing.TB, a *Authorizer, c *clock, f *fakeExchange, keys []vault.Key) (int64, int) {
	expired := 0
	for range 24 * 60 {
		for _, k := range keys {
			if cred := authorize(t, a, k); !c.Now().Before(cred.Expires) {
				expired++
			}
		}
		c.Advance(time.Minute)
	}
	return f.calls.Load(), expired
}

func TestAuthorizeDeletedRecord(t *testing.T) {
	t.Parallel()
	a, v, c, _ := fixture(t, time.Hour, Options{})
	k := put(t, v, "ghcr", vault.Entry{})
	authorize(t, a, k)
	if err := v.Delete(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	c.Advance(DefaultRecheck)
	if _, err := a.Authorize(context.Background(), k, ""); !errors.Is(err, ErrOpen) || !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("a deleted record served: %v", err)
	}
	if a.cache.len() != 0 {
		t.Fatal("the deleted record's credential stayed cached")
	}
}

func TestAuthorizeCallerGivesUp(t *testing.T) {
	t.Parallel()
	a, v, _, f := fixture(t, time.Hour, Options{})
	f.gate = make(chan struct{})
	k := put(t, v, "ghcr", vault.Entry{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Authorize(ctx, k, ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	close(f.gate) // the exchange the caller left completes for the next one
	if got := authorize(t, a, k); got.Username != "bot" || f.calls.Load() != 1 {
		t.Fatalf("user %q after %d exchanges", got.Username, f.calls.Load())
	}
}

func TestAuthorizeFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		result *registry.Result
		key    string
		want   error
	}{
		{name: "missing record", key: "missing", want: ErrOpen},
		{name: "refused", key: "ghcr", result: &registry.Result{Status: registry.StatusAuthFailed, Message: "401"}, want: ErrRefused},
		{name: "outage", key: "ghcr", result: &registry.Result{Status: registry.StatusProviderError, Message: "503"}, want: ErrUnavailable},
		{name: "unusable", key: "ghcr", result: &registry.Result{Status: registry.StatusInvalidConfig, Message: "bad"}, want: ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, v, _, f := fixture(t, time.Hour, Options{})
			put(t, v, "ghcr", vault.Entry{})
			f.fail.Store(tc.result)
			before := snapshot(t, v)
			_, err := a.Authorize(context.Background(), vault.Key{Org: "acme", Registry: tc.key}, "")
			var pe *Error
			if !errors.Is(err, tc.want) || !errors.As(err, &pe) || !strings.Contains(err.Error(), "acme/"+tc.key) {
				t.Fatalf("err %v, want %v naming the record", err, tc.want)
			}
			if tc.result != nil && pe.Host != "ghcr.io" {
				t.Fatalf("err %v does not name the host", err)
			}
			requireClean(t, err)
			if after := snapshot(t, v); after != before {
				t.Fatalf("the store changed: %s -> %s", before, after)
			}
		})
	}
}

// snapshot lists the org's records and versions.
func snapshot(t testing.TB, v *vault.Vault) string {
	page, err := v.List(context.Background(), vault.Query{Org: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, d := range page.Descriptions {
		fmt.Fprintf(&b, "%s@%d ", d.Key, d.Version)
	}
	return b.String()
}

func requireClean(t testing.TB, err error) {
	t.Helper()
	if s := fmt.Sprintf("%v %+v %#v", err, err, err); strings.Contains(s, canary) {
		t.Fatalf("an error carries the secret: %s", s)
	}
}

func TestCacheBoundAndPurge(t *testing.T) {
	t.Parallel()
	a, v, _, f := fixture(t, time.Hour, Options{MaxEntries: 2})
	keys := []vault.Key{put(t, v, "a", vault.Entry{}), put(t, v, "b", vault.Entry{}), put(t, v, "c", vault.Entry{})}
	for _, k := range keys {
		authorize(t, a, k)
	}
	if a.cache.len() != 2 {
		t.Fatalf("%d entries, want the bound 2", a.cache.len())
	}
	authorize(t, a, keys[0]) // evicted as least recently used: exchanged again
	if f.calls.Load() != 4 {
		t.Fatalf("%d exchanges, want 4", f.calls.Load())
	}
	a.Purge()
	if a.cache.len() != 0 {
		t.Fatal("Purge left entries")
	}
}

// TestAuthorizeLogins runs the real exchanges of the password-like kinds:
// no round trip, no expiry, the login their registries expect.
func TestAuthorizeLogins(t *testing.T) {
	t.Parallel()
	v, _ := newVault(t)
	a := New(v, Options{})
	pat := credentials.NewSecret("tok-" + canary)
	tests := []struct {
		entry vault.Entry
		user  string
	}{
		{vault.Entry{Provider: providers.DockerHub, Credential: credentials.UsernamePat{Username: "me", Pat: pat}}, "me"},
		{vault.Entry{Provider: providers.Harbor, URL: "https://harbor.example", Credential: credentials.HarborRobot{RobotName: "robot$proj+ci", Secret: pat}}, "robot$proj+ci"},
		{vault.Entry{Provider: providers.JFrog, URL: "https://acme.jfrog.io", Credential: credentials.JfrogIdentityToken{Username: "me", IdentityToken: pat}}, "me"},
		{vault.Entry{Provider: providers.Buildkite, URL: "https://packages.buildkite.com/acme/images", Credential: credentials.UsernamePat{Username: "me", Pat: pat}}, "buildkite"},
		{vault.Entry{Provider: providers.HarnessAR, URL: "https://pkg.harness.io/acct", Credential: credentials.UsernamePat{Username: "_token", Pat: pat}}, "_token"},
	}
	for n, tc := range tests {
		k := put(t, v, fmt.Sprintf("r%d", n), tc.entry)
		got := authorize(t, a, k)
		if got.Username != tc.user || !got.Secret.Equal(pat) || !got.Expires.IsZero() {
			t.Errorf("%s: user %q, secret kept %v, expires %v", tc.entry.Provider, got.Username, got.Secret.Equal(pat), got.Expires)
		}
	}
	if a.trips.Load() != 0 {
		t.Fatalf("%d round trips for password-like kinds, want 0", a.trips.Load())
	}
}

func TestAuthorizeUnlinkedCloudAdapter(t *testing.T) {
	lookupExchange = func(string) (registry.Exchanger, bool) { return nil, false }
	t.Cleanup(func() { lookupExchange = registry.LookupExchange })
	v, _ := newVault(t)
	a := New(v, Options{})
	k := put(t, v, "ecr", vault.Entry{Provider: providers.AWSECR, URL: "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com",
		Credential: credentials.AwsEcr{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: credentials.NewSecret(strings.Repeat("s", 26) + canary), Region: "eu-west-1"}})
	_, err := a.Authorize(context.Background(), k, "")
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "import") {
		t.Fatalf("err %v, want ErrUnsupported naming the adapter to import", err)
	}
	requireClean(t, err)
}

// A cloud is one emulated provider with a record stored for it, and the
// registry request that proves a credential is accepted.
type cloud struct {
	name    string
	entry   vault.Entry
	opts    Options
	accepts func(t testing.TB, c Credential) bool
	expire  func() // the emulator's expiry fault: every token issued so far expires
	// afterIdentity counts the requests sent to the registry itself, after
	// the identity provider's token (ACR's /oauth2 endpoints); nil when the
	// exchange has no such step.
	afterIdentity func() int
}

const (
	awsKeyID  = "AKIAIOSFODNN7EXAMPLE"
	awsSecret = "CANARY7f3a9c21CANARY7f3a9c21CANARY7f3a9c" // 40 characters, like a secret access key
	garEmail  = "reader@example-project.iam.gserviceaccount.com"
)

func ecrCloud(t testing.TB) cloud { return ecrCloudWith(t, "ECR", ecrCredential()) }

// ecrRoleCloud stores the fixture's session credential with a role ARN and
// external ID: the exchange assumes the role (STS) before
// GetAuthorizationToken.
func ecrRoleCloud(t testing.TB) cloud {
	for _, c := range fixtures.All(canary) {
		if rc, ok := c.(credentials.AwsEcr); ok {
			return ecrCloudWith(t, "ECR-role", rc)
		}
	}
	t.Fatal("no AwsEcr fixture")
	return cloud{}
}

// ecrCloudWith runs an ECR emulator that knows cred's key (and role).
func ecrCloudWith(t testing.TB, name string, cred credentials.AwsEcr) cloud {
	emu := ecremu.Start(t)
	emu.AddKey(cred.AccessKeyID, cred.SecretAccessKey.Reveal(), cred.SessionToken.Reveal())
	if cred.RoleArn != "" {
		emu.AddRole(cred.RoleArn, cred.ExternalID.Reveal())
	}
	return cloud{name: name,
		entry: vault.Entry{Provider: providers.AWSECR, URL: "https://" + emu.RegistryHost(), Credential: cred},
		opts:  Options{AllowLoopback: true, Endpoints: emu.Endpoints(), RootCAs: emu.CertPool()},
		accepts: func(t testing.TB, c Credential) bool {
			return get(t, emu.CertPool(), emu.Registry.URL+"/v2/", c) == http.StatusOK
		},
		expire: emu.ExpireTokens}
}

func acrCloud(t testing.TB) cloud {
	emu := aademu.Start(t)
	var sp credentials.AzureAcr
	for _, c := range fixtures.All(canary) {
		if v, ok := c.(credentials.AzureAcr); ok {
			sp = v
		}
	}
	emu.AddApp(sp.ClientID, sp.ClientSecret.Reveal())
	return cloud{name: "ACR", entry: vault.Entry{Provider: providers.AzureACR, URL: "https://" + emu.Host(), Credential: sp},
		opts: Options{AllowLoopback: true, Endpoints: emu.Endpoints(), RootCAs: emu.CertPool()},
		accepts: func(t testing.TB, c Credential) bool {
			return get(t, emu.CertPool(), emu.Registry.URL+"/oauth2/token?service="+emu.Host(), c) == http.StatusOK
		},
		expire:        emu.ExpireTokens,
		afterIdentity: func() int { h := emu.Hits(); return h.Exchange + h.Token }}
}

func garCloud(t testing.TB) cloud {
	emu := gcpemu.Start(t)
	k, _ := fixtures.RSAKey()
	emu.AddServiceAccount(garEmail, &k.PublicKey)
	key := credentials.GoogleGar{ServiceAccountKey: credentials.NewSecret(fixtures.ServiceAccountKey(garEmail, emu.TokenURL(), "kid"))}
	return cloud{name: "GAR", entry: vault.Entry{Provider: providers.GoogleGAR, URL: "https://" + emu.Host(), Credential: key},
		opts: Options{AllowLoopback: true, Endpoints: emu.Endpoints(), RootCAs: emu.CertPool()},
		accepts: func(t testing.TB, c Credential) bool {
			return get(t, emu.CertPool(), emu.Registry.URL+"/v2/token", c) == http.StatusOK
		},
		expire: emu.ExpireTokens}
}

// get sends GET url with c as Basic authentication and returns the status.
func get(t testing.TB, roots *x509.CertPool, url string, c Credential) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.SetBasicAuth(c.Username, c.Secret.Reveal())
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode
}

func TestAuthorizeCloudEmulators(t *testing.T) {
	t.Parallel()
	for _, mk := range []func(testing.TB) cloud{ecrCloud, ecrRoleCloud, acrCloud, garCloud} {
		cl := mk(t)
		t.Run(cl.name, func(t *testing.T) {
			t.Parallel()
			v, _ := newVault(t)
			c := &clock{now: time.Now()} // the emulators' tokens expire on the real clock
			cl.opts.Clock = c.Now
			a := New(v, cl.opts)
			k := put(t, v, cl.name, cl.entry)
			first := authorize(t, a, k)
			if first.Expires.IsZero() || !cl.accepts(t, first) {
				t.Fatalf("the registry refused the exchanged credential (user %s, expires %v)", first.Username, first.Expires)
			}
			// Past the refresh margin on the test clock: exchanged anew.
			c.Advance(first.Expires.Sub(c.Now()) - DefaultMargin + time.Second)
			second := authorize(t, a, k)
			if second.Secret.Equal(first.Secret) || !cl.accepts(t, second) {
				t.Fatal("a credential due for refresh was not replaced by a working one")
			}
			cl.expire()
			if cl.accepts(t, first) || cl.accepts(t, second) {
				t.Fatal("the emulator's registry accepted an expired token")
			}
		})
	}
}

// BenchmarkAuthorize measures the warm cache beside a plain map lookup of
// the same key, round trips per cold exchange per provider, the exchanges
// 1,000 concurrent callers cause on a cold key, and a simulated day.
func BenchmarkAuthorize(b *testing.B) {
	b.Run("Warm", func(b *testing.B) { benchWarm(b, Options{}) })
	// Reading the record's version on every call (Recheck < 0) costs a
	// store read and a header parse: the price of seeing an update at once.
	b.Run("WarmRecheckEveryCall", func(b *testing.B) { benchWarm(b, Options{Recheck: -1}) })
	b.Run("Cold/Basic", func(b *testing.B) {
		benchCold(b, cloud{name: "basic", entry: vault.Entry{Provider: providers.GHCR}})
	})
	b.Run("Cold/ECR", func(b *testing.B) { benchCold(b, ecrCloud(b)) })
	b.Run("Cold/ECR-role", func(b *testing.B) { benchCold(b, ecrRoleCloud(b)) })
	b.Run("Cold/GAR", func(b *testing.B) { benchCold(b, garCloud(b)) })
	b.Run("Cold/ACR", func(b *testing.B) { benchCold(b, acrCloud(b)) })
	b.Run("Concurrent1000", benchConcurrent)
	b.Run("Steady24h", benchSteady)
}

func benchWarm(b *testing.B, opts Options) {
	a, v, _, _ := fixture(b, 12*time.Hour, opts)
	k := put(b, v, "ghcr", vault.Entry{})
	want := authorize(b, a, k)
	plain := map[vault.Key]Credential{k: want}
	ctx := context.Background()
	start := time.Now()
	for range b.N {
		if _, ok := plain[k]; !ok {
			b.Fatal("miss")
		}
	}
	mapNs := float64(time.Since(start).Nanoseconds()) / float64(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := a.Authorize(ctx, k, "app"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	authNs := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(mapNs, "map-ns/op")
	b.ReportMetric(authNs/max(mapNs, 0.01), "x-map")
}

// benchCold authorizes a purged cache each iteration: every one is an
// exchange, and trips/exchange is what it sent.
func benchCold(b *testing.B, cl cloud) {
	v, _ := newVault(b)
	a := New(v, cl.opts)
	k := put(b, v, cl.name, cl.entry)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		a.Purge()
		if _, err := a.Authorize(ctx, k, ""); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(a.trips.Load())/float64(max(a.exchanges.Load(), 1)), "trips/exchange")
	if cl.afterIdentity != nil {
		b.ReportMetric(float64(cl.afterIdentity())/float64(max(a.exchanges.Load(), 1)), "trips-after-identity/exchange")
	}
}

func benchConcurrent(b *testing.B) {
	a, v, _, f := fixture(b, time.Hour, Options{})
	k := put(b, v, "ghcr", vault.Entry{})
	ctx := context.Background()
	for range b.N {
		a.Purge()
		var wg sync.WaitGroup
		for range 1000 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := a.Authorize(ctx, k, ""); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(f.calls.Load())/float64(b.N), "exchanges/1000-callers")
}

func benchSteady(b *testing.B) {
	var exchanges int64
	var expired int
	for range b.N {
		a, v, c, f := fixture(b, 12*time.Hour, Options{})
		keys := []vault.Key{put(b, v, "a", vault.Entry{}), put(b, v, "b", vault.Entry{})}
		n, e := steadyDay(b, a, c, f, keys)
		exchanges += n
		expired += e
	}
	// A 12 h token refreshed 5 min early lives 11h55: a day needs 3 per record.
	b.ReportMetric(float64(exchanges)/float64(2*b.N), "exchanges/record/24h")
	b.ReportMetric(float64(expired)/float64(b.N), "expired-served/24h")
}

func ecrCredential() credentials.AwsEcr {
	return credentials.AwsEcr{AccessKeyID: awsKeyID, SecretAccessKey: credentials.NewSecret(awsSecret), Region: ecremu.DefaultRegion}
}

// TestCredentialRedacts: a Credential printed or marshalled by accident
// shows no secret (the canary sweep of this package's outputs: errors are
// checked by requireClean in every fault test).
func TestCredentialRedacts(t *testing.T) {
	t.Parallel()
	a, v, _, _ := fixture(t, time.Hour, Options{})
	cred := authorize(t, a, put(t, v, "ghcr", vault.Entry{}))
	js, err := json.Marshal(cred)
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", cred, cred, cred, js); strings.Contains(s, canary) || !strings.Contains(cred.Secret.Reveal(), canary) {
		t.Fatalf("a printed credential shows its secret: %s", s)
	}
}

// TestAuthorizeCorruptRecord: a record whose ciphertext was altered fails
// to open: ErrOpen with the vault's ErrCorrupt, no exchange, and the
// store unchanged.
func TestAuthorizeCorruptRecord(t *testing.T) {
	t.Parallel()
	v, st := newVault(t)
	a := New(v, Options{})
	f := &fakeExchange{clock: newClock(), life: time.Hour}
	a.exchange = f.exchange
	k := put(t, v, "ghcr", vault.Entry{})
	rec, err := st.Get(context.Background(), k)
	if err != nil {
		t.Fatal(err)
	}
	rec.Envelope[len(rec.Envelope)-1] ^= 1
	if _, err := st.Put(context.Background(), rec, rec.Version); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, v)
	_, err = a.Authorize(context.Background(), k, "")
	if !errors.Is(err, ErrOpen) || !errors.Is(err, vault.ErrCorrupt) || f.calls.Load() != 0 {
		t.Fatalf("err %v after %d exchanges, want ErrOpen and vault.ErrCorrupt before any", err, f.calls.Load())
	}
	requireClean(t, err)
	if after := snapshot(t, v); after != before {
		t.Fatalf("the store changed: %s -> %s", before, after)
	}
}
