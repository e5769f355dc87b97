package gocloud

import (
	"context"
	"net/url"
	"strings"
	"sync"

	"gocloud.dev/gcerrors"
	"gocloud.dev/secrets"

	"github.com/credvault/credvault/kek"
)

// maxVersionKeepers bounds the keepers a KEK keeps open for other versions
// of its Azure key; past it, a keeper is opened for one call and closed.
const maxVersionKeepers = 16

// versionKeepers opens keepers for the other versions of an Azure Key
// Vault key. Azure key IDs name a version, so a KEK moved to a new version
// has a new key ID; through versionKeepers it still unwraps the DEKs the
// key's older versions wrapped, which lets a rewrap move them to it.
type versionKeepers struct {
	prefix string  // key ID prefix: "azurekeyvault://<host>/keys/<name>/"
	path   string  // URL path prefix: "/keys/<name>/"
	url    url.URL // the KEK's keeper URL; keeper replaces the path

	mu     sync.Mutex
	open   map[string]*secrets.Keeper // by key ID
	closed bool
}

// newVersionKeepers returns the versionKeepers of the KEK with keyID
// opened from u, or nil if u is not an azurekeyvault URL.
func newVersionKeepers(keyID string, u *url.URL) *versionKeepers {
	if u.Scheme != azureScheme {
		return nil
	}
	prefix := keyID[:strings.LastIndexByte(keyID, '/')+1]
	v := &versionKeepers{prefix: prefix, path: strings.TrimPrefix(prefix, azureScheme+"://"+u.Host), url: *u,
		open: map[string]*secrets.Keeper{}}
	v.url.User, v.url.Fragment, v.url.RawFragment = nil, "", ""
	return v
}

// owns reports whether keyID names a version of this key. It is false
// for a nil v.
func (v *versionKeepers) owns(keyID string) bool {
	if v == nil {
		return false
	}
	version, ok := strings.CutPrefix(keyID, v.prefix)
	return ok && azureName(version, 64, false)
}

// keeper returns the keeper of keyID, which owns accepted, and a func to
// call when done with it.
func (v *versionKeepers) keeper(ctx context.Context, keyID string) (*secrets.Keeper, func(), error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k := v.open[keyID]; k != nil {
		return k, func() {}, nil
	}
	if v.closed {
		return nil, nil, &Error{Op: "open", KeyID: keyID, kind: kek.ErrUnavailable, Err: errString("KEK closed")}
	}
	u := v.url
	u.Path, u.RawPath = v.path+strings.TrimPrefix(keyID, v.prefix), ""
	k, err := secrets.OpenKeeper(ctx, u.String())
	if err != nil {
		code := gcerrors.Code(err)
		return nil, nil, &Error{Op: "open", KeyID: keyID, Code: code, kind: kek.ErrUnavailable,
			Err: errString("cannot open azurekeyvault keeper (gocloud code " + code.String() + ")")}
	}
	if len(v.open) >= maxVersionKeepers {
		return k, func() { _ = k.Close() }, nil
	}
	v.open[keyID] = k
	return k, func() {}, nil
}

// close closes every keeper opened so far.
func (v *versionKeepers) close() error {
	if v == nil {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.closed = true
	var first error
	for id, k := range v.open {
		if err := k.Close(); err != nil && first == nil {
			first = err
		}
		delete(v.open, id)
	}
	return first
}
