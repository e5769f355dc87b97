package pull

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
)

// A Match is the record that serves an image's registry host.
type Match struct {
	// Key is the record.
	Key vault.Key
	// Host is the registry host (with port when the record's URL has
	// one), lower-cased: "ghcr.io", "123456789012.dkr.ecr.us-east-1.amazonaws.com".
	// Docker Hub records report "docker.io".
	Host string
	// Prefix is the repository path prefix of the record's URL ("acme"
	// for https://ghcr.io/acme), "" when the record serves the whole host.
	Prefix string
	// Insecure reports that the record allows plain http.
	Insecure bool
}

// DockerHubServer is the server URL docker sends for Docker Hub.
const DockerHubServer = "https://index.docker.io/v1/"

// dockerHub is the one host a Docker Hub record and reference are
// compared under; dockerHubAliases all name it.
const dockerHub = "docker.io"

var dockerHubAliases = []string{"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}

// Match returns the one record of org that serves repository on host.
//
// host is an image reference's registry part ("ghcr.io",
// "localhost:5000") or a docker server URL ("https://index.docker.io/v1/",
// whose path is ignored); an http:// server URL matches only records
// stored as insecure. Hosts compare exactly, lower-cased, Docker Hub's
// names and an ECR registry's dual-stack name being the only aliases.
// repository is the path after the host ("acme/app"); a record whose URL
// has a path matches only repositories under it, and the longest such
// prefix wins over shorter ones and over host-wide records. With
// repository "", a host-wide record wins over path-prefixed ones.
//
// No record is an *Error matching ErrNoMatch, a host that does not parse
// one matching ErrInvalidHost, and two records matching equally well an
// *AmbiguousError (ErrAmbiguous).
func (a *Authorizer) Match(ctx context.Context, org, host, repository string) (Match, error) {
	ref, err := parseServer(host)
	if err != nil {
		return Match{}, err
	}
	repository = strings.Trim(repository, "/")
	table, err := a.table(ctx, org)
	if err != nil {
		return Match{}, &Error{Host: ref.host, Message: "the org's records cannot be listed", Err: errors.Join(ErrOpen, err)}
	}
	var best []Match
	bestScore := -2
	for _, m := range table {
		score, ok := m.score(ref, repository)
		switch {
		case !ok || score < bestScore:
		case score > bestScore:
			best, bestScore = []Match{m}, score
		default:
			best = append(best, m)
		}
	}
	switch len(best) {
	case 0:
		return Match{}, &Error{Host: ref.host, Message: "no record of org " + org + " serves this host", Err: ErrNoMatch}
	case 1:
		return best[0], nil
	}
	amb := &AmbiguousError{Host: ref.host}
	for _, m := range best {
		amb.Records = append(amb.Records, m.Key.String())
	}
	return Match{}, amb
}

// score says whether m serves repository at ref, and how specifically:
// the number of path segments of its prefix, 0 for a host-wide record,
// -1 for a prefixed record when no repository was given.
func (m Match) score(ref server, repository string) (int, bool) {
	if !slices.Contains(hostAliases(m.Host), ref.host) || ref.scheme == "http" && !m.Insecure {
		return 0, false
	}
	switch {
	case m.Prefix == "":
		return 0, true
	case repository == "":
		return -1, true
	case repository == m.Prefix || strings.HasPrefix(repository, m.Prefix+"/"):
		return strings.Count(m.Prefix, "/") + 1, true
	}
	return 0, false
}

// Hosts returns one Match per record of org whose host is known, in key
// order. Records whose host cannot be derived (an ECR or GAR record, or
// an ACR service principal, stored without a URL) are left out.
func (a *Authorizer) Hosts(ctx context.Context, org string) ([]Match, error) {
	table, err := a.table(ctx, org)
	if err != nil {
		return nil, &Error{Message: "the org's records cannot be listed", Err: errors.Join(ErrOpen, err)}
	}
	return table, nil
}

// table lists the org's records as Matches.
func (a *Authorizer) table(ctx context.Context, org string) ([]Match, error) {
	var out []Match
	q := vault.Query{Org: org, Limit: vault.MaxPageSize}
	for {
		page, err := a.v.List(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, d := range page.Descriptions {
			if m, ok := recordMatch(d); ok {
				out = append(out, m)
			}
		}
		if !page.More {
			return out, nil
		}
		q.After = page.Next
	}
}

// recordMatch is the host and prefix a record serves: its URL's host and
// path, else its provider's default URL's, else (ACR's admin user) the
// derived <username>.azurecr.io.
func recordMatch(d vault.Description) (Match, bool) {
	raw := d.URL
	if raw == "" {
		info, _ := providers.Lookup(d.Provider)
		raw = info.DefaultURL
	}
	if raw == "" && d.Provider == providers.AzureACR && d.View.Username != "" {
		raw = "https://" + strings.ToLower(d.View.Username) + ".azurecr.io"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return Match{}, false
	}
	host := strings.ToLower(u.Host)
	if d.Provider == providers.DockerHub {
		host = dockerHub
	}
	return Match{Key: d.Key, Host: host, Prefix: prefix(d.Provider, u.Path), Insecure: d.Insecure}, true
}

// prefix is the repository prefix a record's URL path names: the path
// itself, except JFrog's /artifactory/api/docker/<repo-key>, whose images
// are <host>/<repo-key>/<image>.
func prefix(p providers.Provider, path string) string {
	path = strings.Trim(path, "/")
	if p == providers.JFrog {
		if rest, ok := strings.CutPrefix(path, "artifactory/api/docker/"); ok {
			key, _, _ := strings.Cut(rest, "/")
			return key
		}
	}
	return path
}

// hostAliases are the names a record's host answers to: Docker Hub's
// names, an ECR registry's standard and dual-stack names, or the host.
func hostAliases(host string) []string {
	if host == dockerHub {
		return dockerHubAliases
	}
	if alt, ok := ecrDualStack(host); ok {
		return []string{host, alt}
	}
	return []string{host}
}

// ecrDualStack maps <account>.dkr.ecr.<region>.amazonaws.com to
// <account>.dkr-ecr.<region>.on.aws and back. The record's URL passed
// the provider's host check when it was stored; only the shape is read.
func ecrDualStack(host string) (string, bool) {
	if acct, rest, ok := strings.Cut(host, ".dkr.ecr."); ok {
		if region, ok := strings.CutSuffix(rest, ".amazonaws.com"); ok && !strings.Contains(region, ".") {
			return acct + ".dkr-ecr." + region + ".on.aws", true
		}
	}
	if acct, rest, ok := strings.Cut(host, ".dkr-ecr."); ok {
		if region, ok := strings.CutSuffix(rest, ".on.aws"); ok && !strings.Contains(region, ".") {
			return acct + ".dkr.ecr." + region + ".amazonaws.com", true
		}
	}
	return "", false
}
