package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/credvault/credvault/internal/credprovider"
	"github.com/credvault/credvault/pull"
)

// pullOptions are the Authorizer's options: the zero value in
// production; tests point exchanges at emulators.
var pullOptions pull.Options

// kubeletProvider is a kubelet credential provider plugin: it reads a
// CredentialProviderRequest from stdin and prints the response for the
// record of -org (default $CREDVAULT_ORG) that serves the image.
func (c *cli) kubeletProvider(ctx context.Context, args []string) error {
	fs := c.flagSet("kubelet-credential-provider")
	org := fs.String("org", c.getenv("CREDVAULT_ORG"), "the org whose records serve the kubelet (default $CREDVAULT_ORG)")
	if _, err := parse(fs, args, 0, "no arguments"); err != nil {
		return err
	}
	if *org == "" {
		return fmt.Errorf("%w: kubelet-credential-provider needs -org or CREDVAULT_ORG", errUsage)
	}
	req, err := credprovider.DecodeRequest(c.stdin)
	if err != nil {
		return fmt.Errorf("%w: %w", errInvalid, err)
	}
	v, st, _, err := c.openVault(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	resp, err := kubeletResponse(ctx, pull.New(v, pullOptions), *org, req.Image, time.Now())
	if err != nil {
		return err
	}
	return resp.Encode(c.stdout)
}

// kubeletResponse authorizes image for org and builds the response: the
// match key is the image's host (with the record's repository prefix, and
// cacheKeyType Image, for a path-prefixed record), and cacheDuration the
// credential's remaining lifetime less pull.DefaultMargin, in whole
// seconds; none left is "0s" (no caching), never a sub-second duration.
// A credential that does not expire leaves cacheDuration out, so the
// plugin configuration's defaultCacheDuration bounds how long an updated
// record waits to be seen.
func kubeletResponse(ctx context.Context, a *pull.Authorizer, org, image string, now time.Time) (credprovider.Response, error) {
	host, repo, err := credprovider.SplitImage(image)
	if err != nil {
		return credprovider.Response{}, err
	}
	m, err := a.Match(ctx, org, host, repo)
	if err != nil {
		return credprovider.Response{}, err
	}
	cred, err := a.Authorize(ctx, m.Key, repo)
	if err != nil {
		return credprovider.Response{}, namingHost(host, err)
	}
	resp := credprovider.Response{CacheKeyType: credprovider.CacheRegistry}
	key := host
	if m.Prefix != "" {
		resp.CacheKeyType, key = credprovider.CacheImage, host+"/"+m.Prefix
	}
	resp.Auth = map[string]credprovider.Auth{key: {Username: cred.Username, Password: cred.Secret}}
	resp.CacheDuration = cacheDuration(cred, now)
	return resp, nil
}

// cacheDuration is cred's remaining lifetime at now less
// pull.DefaultMargin, truncated to whole seconds and never negative; nil
// for a credential that does not expire.
func cacheDuration(cred pull.Credential, now time.Time) *time.Duration {
	if cred.Expires.IsZero() {
		return nil
	}
	d := max(cred.Expires.Sub(now)-pull.DefaultMargin, 0).Truncate(time.Second)
	return &d
}

// namingHost returns err, prefixed with host when it does not name one
// (Authorize's error for a record that fails to open names the record).
func namingHost(host string, err error) error {
	if pe := (*pull.Error)(nil); errors.As(err, &pe) && pe.Host != "" {
		return err
	}
	return fmt.Errorf("%s: %w", host, err)
}
