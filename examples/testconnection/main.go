// Command testconnection tests a registry connection with good and bad
// credentials and prints each typed Result as JSON. It starts an
// in-process Docker Hub emulator so it runs offline; a real program keeps
// the zero providers.Options and drops the emulator.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/regemu"
	"github.com/credvault/credvault/providers"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	const user, pat = "alice", "dckr_pat_example-not-a-real-token"
	hub, err := regemu.Start(regemu.Config{Flavor: regemu.DockerHub, Username: user, Password: pat, TLS: true})
	if err != nil {
		return err
	}
	defer hub.Close()
	// The emulator stands in for registry-1.docker.io and auth.docker.io.
	opts := providers.Options{AllowLoopback: true, Endpoints: hub.Endpoints(), RootCAs: hub.CertPool()}
	target := providers.Target{Provider: providers.DockerHub}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	for _, secret := range []string{pat, "dckr_pat_wrong"} {
		cred := credentials.UsernamePat{Username: user, Pat: credentials.NewSecret(secret)}
		r := providers.TestConnection(ctx, target, cred, opts)
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("encode result: %w", err)
		}
	}
	return nil
}
