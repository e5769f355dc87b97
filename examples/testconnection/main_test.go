package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/credvault/credvault/providers"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "dckr_pat_example") {
		t.Fatalf("secret printed: %s", out.String())
	}
	dec := json.NewDecoder(&out)
	var got []providers.Status
	for {
		var r providers.Result
		if err := dec.Decode(&r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Status)
	}
	if len(got) != 2 || got[0] != providers.StatusHealthy || got[1] != providers.StatusAuthFailed {
		t.Fatalf("statuses %v, want healthy then auth_failed", got)
	}
}
