// Package integration tests credvault's connection checks against real
// registry software: github.com/distribution/distribution/v3 running
// in-process with htpasswd and with token authentication.
//
// It is a separate module so that the distribution registry and its
// dependencies never enter the library's module graph. Run it with
//
//	cd integration && go test ./...
package integration
