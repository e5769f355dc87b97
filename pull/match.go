package pull

import (
	"context"

	"github.com/credvault/credvault/vault"
)

// A Match is the record that serves an image's registry host.
type Match struct {
	// Key is the record.
	Key vault.Key
	// Host is the registry host (with port when the record's URL has
	// one), lower-cased: "ghcr.io", "123456789012.dkr.ecr.us-east-1.amazonaws.com".
	Host string
	// Prefix is the repository path prefix of the record's URL ("acme"
	// for https://ghcr.io/acme), "" when the record serves the whole host.
	Prefix string
	// Insecure reports that the record allows plain http.
	Insecure bool
}

// Match returns the one record of org that serves repository on host.
// host is an image reference's registry part ("ghcr.io",
// "localhost:5000") or a docker server URL ("https://index.docker.io/v1/");
// repository is the path after it ("acme/app"), or "" to match the host
// alone. No record is an error matching ErrNoMatch; two that match
// equally well, an *AmbiguousError.
func (a *Authorizer) Match(ctx context.Context, org, host, repository string) (Match, error) {
	return Match{}, errNotImplemented
}

// Hosts returns every host the records of org serve, one Match per record
// and host (a Docker Hub record yields its canonical server URL
// "https://index.docker.io/v1/" as Host), in key order. Records whose
// host cannot be derived (an ECR record without a URL) are left out.
func (a *Authorizer) Hosts(ctx context.Context, org string) ([]Match, error) {
	return nil, errNotImplemented
}
