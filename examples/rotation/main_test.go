package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestRotationExample runs the program briefly and checks that it
// rotated at least once beside traffic and passed its final check.
func TestRotationExample(t *testing.T) {
	var out bytes.Buffer
	cfg := config{duration: 1500 * time.Millisecond, every: 300 * time.Millisecond, records: 300, dir: t.TempDir()}
	if err := run(context.Background(), cfg, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"seeded 300 records", "rotated to local://acme#v=", "fresh DEKs: ", "final check: all 300 records open"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
