package kek_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/credvault/credvault/kek"
)

func TestLabels(t *testing.T) {
	t.Parallel()
	if got := kek.Labels(context.Background()); got != nil {
		t.Fatalf("no labels: got %v", got)
	}
	in := map[string]string{"org": "acme"}
	ctx := kek.WithLabels(context.Background(), in)
	in["org"] = "changed"
	got := kek.Labels(ctx)
	if got["org"] != "acme" {
		t.Fatalf("WithLabels did not copy: %v", got)
	}
	got["org"] = "mutated"
	if kek.Labels(ctx)["org"] != "acme" {
		t.Fatal("Labels did not copy")
	}
}

func ExampleWithLabels() {
	ctx := kek.WithLabels(context.Background(), map[string]string{"org": "acme", "registry": "ghcr"})
	fmt.Println(kek.Labels(ctx)["registry"])
	// Output: ghcr
}
