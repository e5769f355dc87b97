package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/credvault/credvault/internal/fixtures"
)

// TestCLIPutSealsRobotPrefixAndCABundle: put seals -robot-prefix and the
// -ca-bundle file with the record, get shows them, and a file with no
// certificate is refused before anything is stored.
func TestCLIPutSealsRobotPrefixAndCABundle(t *testing.T) {
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(good, fixtures.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	robot := `{"robotName":"svc@library+ci","secret":"` + canary + `"}`
	base := []string{"put", "acme", "harbor", "-provider", "HARBOR", "-url", "https://harbor.example.com", "-robot-prefix", "svc@"}
	h.must(exitInvalid, robot, append(base, "-ca-bundle", bad)...)
	h.must(exitNotFound, "", "get", "-redacted", "acme", "harbor")
	h.must(exitInvalid, robot, "put", "acme", "harbor", "-provider", "HARBOR", "-url", "https://harbor.example.com") // robot$ is the default prefix
	h.must(exitOK, robot, append(base, "-ca-bundle", good)...)

	var d struct {
		RobotPrefix string `json:"robotPrefix"`
		CABundle    []byte `json:"caBundle"`
	}
	if err := json.Unmarshal([]byte(h.must(exitOK, "", "get", "-redacted", "acme", "harbor")), &d); err != nil {
		t.Fatal(err)
	}
	if d.RobotPrefix != "svc@" || string(d.CABundle) != string(fixtures.CACertPEM()) {
		t.Fatalf("get shows prefix %q and a %d-byte bundle", d.RobotPrefix, len(d.CABundle))
	}
}
