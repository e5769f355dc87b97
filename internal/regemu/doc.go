// Package regemu runs small in-process emulators of the container
// registries credvault tests connections to, for tests and offline
// examples.
//
// # Fidelity
//
// Each [Flavor] reproduces its provider's documented wire behaviour (see
// ../shared/PROTOCOLS.md in the project's design notes): the exact
// WWW-Authenticate challenge on /v2/, the token endpoint and its reply
// shape (`token`, `access_token` or both), the error bodies
// (distribution's {"errors":[…]}, Docker Hub's {"details"}, Harness's
// {"code","message"}, Buildkite's {"message"}) and the quirks adapters must
// cope with: Docker Hub's 2FA accounts that need a PAT, Harbor's
// /service/token and the 412 /api/v2.0/users/current gives robots,
// JFrog's per-repository v2 path and /access/api/v1/tokens/me, Nexus's
// upper-case BASIC challenge and unauthenticated status endpoint.
//
// Providers on fixed public hosts (Docker Hub, GHCR, Quay, the Harness and
// Buildkite APIs) challenge with their real realm URLs; [Registry.Endpoints]
// is the origin rewrite map a test passes as providers.Options.Endpoints.
//
// # Faults
//
// [Registry.SetMode] switches a running emulator into rate limiting (429),
// server errors (503) or denial (403 to an authenticated request).
// Config.Realm points the challenge elsewhere (an SSRF probe) and
// Config.RedirectTo redirects authenticated /v2/ requests to another
// server (a [Sink] that records whether credentials followed).
//
// Emulators listen on loopback: callers must allow loopback in their
// address policy, which production defaults refuse.
package regemu
