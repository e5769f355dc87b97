package kek

import (
	"context"
	"maps"
)

// labelsKey is the context key for Labels.
type labelsKey struct{}

// WithLabels returns a context carrying readable labels, such as
// {"org": "acme", "registry": "ghcr"}, that a KEK may record in its
// backend's audit trail (kek/awskms adds them to the KMS EncryptionContext,
// which CloudTrail logs). The map is copied.
//
// Labels are not secret and add no security of their own: the AAD already
// binds a wrapped DEK to its org and registry. A KEK that records them may
// bind them too, so the same labels must then be attached when unwrapping
// or rewrapping.
func WithLabels(ctx context.Context, labels map[string]string) context.Context {
	return context.WithValue(ctx, labelsKey{}, maps.Clone(labels))
}

// Labels returns a copy of the labels attached by WithLabels, or nil.
func Labels(ctx context.Context) map[string]string {
	l, _ := ctx.Value(labelsKey{}).(map[string]string)
	return maps.Clone(l)
}

// A LabelConsumer is a KEK that reads Labels from the context (kek/awskms
// does). Callers may skip attaching labels, which costs allocations on
// every call, for KEKs that do not implement it.
type LabelConsumer interface {
	ConsumesLabels()
}
