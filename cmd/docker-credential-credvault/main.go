// Command docker-credential-credvault is a docker credential helper that
// answers with the registry credentials a credvault vault keeps for one
// org: docker, buildkit, crane, skopeo (through authn.NewKeychainFromHelper)
// and every other client of the credential-helper protocol pull with them.
//
// Configure it as the CLI is configured, through the environment:
// CREDVAULT_STORE (store DSN), CREDVAULT_KEYSETS (keyset directory), the
// root key (CREDVAULT_ROOT_KEY_FILE, CREDVAULT_ROOT_KEY, or
// CREDVAULT_ROOT_PASSPHRASE_FILE with CREDVAULT_ROOT_SALT_FILE), and
// CREDVAULT_ORG, the org whose records it serves. Name it in docker's
// config.json ("credHelpers": {"ghcr.io": "credvault"}, or
// "credsStore": "credvault").
//
// Actions:
//
//   - get: the server URL on stdin ("https://index.docker.io/v1/", a host,
//     host:port, or https://host) is matched to the one record of the org
//     serving it (see package pull), whose credential is printed as
//     {"ServerURL","Username","Secret"}: ECR, ACR and GAR records are
//     exchanged for their short-lived registry tokens first.
//   - list: every server URL the org's records serve, with the username
//     each presents.
//   - store and erase are refused: records are written with
//     "credvault put", and docker login or logout must not change them.
//
// As the protocol has it, failures exit 1 with a message on stdout; a
// host no record serves answers docker's "credentials not found in native
// keychain" (so docker pulls anonymously), and the detail, naming the
// host, goes to stderr. No message carries a secret.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
