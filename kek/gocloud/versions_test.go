package gocloud_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocloud.dev/gcerrors"
	"gocloud.dev/secrets"
	"gocloud.dev/secrets/localsecrets"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/gocloud"
	"github.com/credvault/credvault/kek/kektest"
)

func TestAzureKeyIDNeedsVersion(t *testing.T) {
	t.Parallel()
	const vault = "azurekeyvault://acme.vault.azure.net"
	const version = "0123456789abcdef0123456789abcdef"
	for u, want := range map[string]string{
		vault + "/keys/credvault-acme/" + version:                               vault + "/keys/credvault-acme/" + version,
		vault + "/keys/credvault-acme/" + version + "?algorithm=RSA-OAEP-256":   vault + "/keys/credvault-acme/" + version,
		"azurekeyvault://user:pw@acme.vault.azure.net/keys/k/" + version + "#f": vault + "/keys/k/" + version,
	} {
		got, err := gocloud.KeyID(u)
		require.NoError(t, err, u)
		assert.Equal(t, want, got)
	}
	for _, u := range []string{
		vault + "/keys/credvault-acme",
		vault + "/keys/credvault-acme/",
		vault + "/keys/credvault-acme?algorithm=RSA-OAEP-256",
	} {
		_, err := gocloud.KeyID(u)
		require.ErrorIs(t, err, gocloud.ErrKeyVersionRequired, u)
		require.ErrorIs(t, err, kek.ErrInvalidInput, u)
		assert.Contains(t, err.Error(), "/keys/<key>/<version>", "the error says how to fix it")
		assert.NotContains(t, err.Error(), "credvault-acme", "the error quotes the URL")
		// Open refuses it before reaching a driver, and so does kek.Open.
		_, err = gocloud.Open(t.Context(), u)
		require.ErrorIs(t, err, gocloud.ErrKeyVersionRequired, u)
		_, err = kek.Open(t.Context(), u)
		require.ErrorIs(t, err, gocloud.ErrKeyVersionRequired, u)
	}
	for _, u := range []string{
		"azurekeyvault:///keys/k/" + version,         // no vault
		vault + "/secrets/k/" + version,              // not a key
		vault + "/keys/k/" + version + "/extra",      // trailing segment
		vault + "/keys/k/" + version + "/",           // trailing slash
		vault + "/keys/k/../other/" + version,        // dot segment
		vault + "/keys/k%2Fx/" + version,             // escaped slash
		vault + "/keys//" + version,                  // no name
		vault + "/keys/k_x/" + version,               // Azure names are [0-9A-Za-z-]
		vault + "/keys/k/" + strings.Repeat("a", 65), // version too long
		vault + "/keys/" + strings.Repeat("k", 128) + "/" + version,
		"azurekeyvault://" + strings.Repeat("h", 2100) + ".vault.azure.net/keys/k/" + version, // key ID too long
	} {
		_, err := gocloud.KeyID(u)
		require.ErrorIs(t, err, kek.ErrInvalidInput, u)
		assert.NotErrorIs(t, err, gocloud.ErrKeyVersionRequired, u)
	}
}

// fakeAzure stands in for gocloud's azurekeyvault driver (which this test
// binary does not import): each key version is a distinct localsecrets
// key derived from the URL's host and path, and a ciphertext it cannot
// open fails as InvalidArgument, the code Azure's HTTP 400 maps to. It
// counts keepers opened and closed per vault host.
type fakeAzure struct{ counts sync.Map } // host → *fakeAzureCounts

type fakeAzureCounts struct{ opened, closed atomic.Int64 }

var azure = &fakeAzure{}

func init() { secrets.DefaultURLMux().RegisterKeeper("azurekeyvault", azure) }

func (f *fakeAzure) of(host string) *fakeAzureCounts {
	c, _ := f.counts.LoadOrStore(host, &fakeAzureCounts{})
	return c.(*fakeAzureCounts)
}

func (f *fakeAzure) OpenKeeperURL(_ context.Context, u *url.URL) (*secrets.Keeper, error) {
	if q := u.Query(); len(q) > 1 || len(q) == 1 && q.Get("algorithm") == "" {
		return nil, errors.New("fake azurekeyvault: bad query")
	}
	c := f.of(u.Host)
	c.opened.Add(1)
	return secrets.NewKeeper(&fakeAzureKeeper{c: c, k: localsecrets.NewKeeper(sha256.Sum256([]byte(u.Host + u.Path)))}), nil
}

type fakeAzureKeeper struct {
	c *fakeAzureCounts
	k *secrets.Keeper
}

var errFakeBadCiphertext = errors.New("fake azurekeyvault: 400 BadParameter")

func (k *fakeAzureKeeper) Encrypt(ctx context.Context, pt []byte) ([]byte, error) {
	return k.k.Encrypt(ctx, pt)
}

func (k *fakeAzureKeeper) Decrypt(ctx context.Context, ct []byte) ([]byte, error) {
	pt, err := k.k.Decrypt(ctx, ct)
	if err != nil {
		return nil, errFakeBadCiphertext
	}
	return pt, nil
}

func (k *fakeAzureKeeper) Close() error                  { k.c.closed.Add(1); return k.k.Close() }
func (k *fakeAzureKeeper) ErrorAs(err error, i any) bool { return errors.As(err, i) }
func (k *fakeAzureKeeper) ErrorCode(err error) gcerrors.ErrorCode {
	if errors.Is(err, errFakeBadCiphertext) {
		return gcerrors.InvalidArgument
	}
	return gcerrors.Unknown
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func azureURL(t *testing.T, host, key string) string {
	return "azurekeyvault://" + host + "/keys/" + key + "/" + randomHex(t, 16) + "?algorithm=RSA-OAEP-256"
}

// rotateAzure moves an Azure KEK to a new version of its key, as an
// operator does after rotating the key in Key Vault: a new URL naming the
// new version.
func rotateAzure(t *testing.T, k kek.KEK) kek.KEK {
	u, _ := urls.Load(k)
	p, err := url.Parse(u.(string))
	require.NoError(t, err)
	p.Path = p.Path[:strings.LastIndexByte(p.Path, '/')+1] + randomHex(t, 16)
	return open(t, p.String())
}

// TestConformanceAzureVersions runs the suite over versioned Azure URLs;
// its Rotate case checks that a KEK moved to a new version still unwraps
// what the old version wrapped, under the old key ID, so a KEK rewrap can
// move those DEKs.
func TestConformanceAzureVersions(t *testing.T) {
	t.Parallel()
	kektest.Run(t, kektest.Harness{
		New: func(t *testing.T) kek.KEK {
			return open(t, azureURL(t, "conformance.vault.azure.net", "k-"+randomHex(t, 4)))
		},
		Other: func(t *testing.T) kek.KEK {
			return open(t, azureURL(t, "conformance.vault.azure.net", "other-"+randomHex(t, 4)))
		},
		Reopen:        reopen,
		Rotate:        rotateAzure,
		ChecksContext: true,
	})
}

func TestAzureOtherVersions(t *testing.T) {
	t.Parallel()
	const host = "versions.vault.azure.net"
	count := azure.of(host)
	old := open(t, azureURL(t, host, "k"))
	oldID, _ := old.CurrentKeyID(t.Context())
	wrapped, _, err := old.Wrap(t.Context(), []byte("dek"), kek.AAD{Data: []byte("aad")})
	require.NoError(t, err)

	opened := count.opened.Load()
	k, err := gocloud.Open(t.Context(), azureURL(t, host, "k"))
	require.NoError(t, err)
	for range 3 {
		got, err := k.Unwrap(t.Context(), oldID, wrapped, kek.AAD{Data: []byte("aad")})
		require.NoError(t, err)
		assert.Equal(t, "dek", string(got))
	}
	assert.Equal(t, int64(2), count.opened.Load()-opened, "the old version's keeper is opened once and kept")

	// Only versions of this key in this vault are reachable.
	for _, id := range []string{
		strings.Replace(oldID, "/keys/k/", "/keys/other/", 1),
		strings.Replace(oldID, host, "elsewhere.vault.azure.net", 1),
		oldID + "/x",
		strings.TrimSuffix(oldID, oldID[strings.LastIndexByte(oldID, '/')+1:]),
	} {
		_, err := k.Unwrap(t.Context(), id, wrapped, kek.AAD{Data: []byte("aad")})
		require.ErrorIs(t, err, kek.ErrKeyNotFound, id)
	}
	// The binding still names the version that wrapped: a DEK presented
	// under another version's ID fails.
	_, err = k.Unwrap(t.Context(), oldID[:strings.LastIndexByte(oldID, '/')+1]+randomHex(t, 16), wrapped, kek.AAD{Data: []byte("aad")})
	require.ErrorIs(t, err, kek.ErrUnwrap)

	closed := count.closed.Load()
	require.NoError(t, k.Close())
	assert.Equal(t, int64(3), count.closed.Load()-closed, "Close closes its keeper and the two other versions' it opened")
	_, err = k.Unwrap(t.Context(), oldID, wrapped, kek.AAD{Data: []byte("aad")})
	require.Error(t, err)
}
