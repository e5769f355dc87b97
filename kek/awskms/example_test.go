package awskms_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/credvault/credvault/internal/kmsemu"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/awskms"
)

func ExampleNew() {
	// An in-process KMS stands in for AWS; in production use
	// kms.NewFromConfig(cfg) with config.LoadDefaultConfig.
	emu := kmsemu.New()
	srv := httptest.NewServer(emu)
	defer srv.Close()
	emu.URL = srv.URL
	_ = emu.AddAlias("alias/acme", emu.AddKey(false))

	k, err := awskms.New(kms.NewFromConfig(emu.Config()), "alias/acme", awskms.WithMaxAttempts(5))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Labels appear in the KMS EncryptionContext (and so in CloudTrail);
	// Unwrap needs the same Data and Labels.
	ctx := context.Background()
	aad := kek.AAD{
		Data:   []byte("v1|acme|ghcr"),
		Labels: []kek.Label{{Name: "org", Value: "acme"}, {Name: "registry", Value: "ghcr"}},
	}
	dek := []byte("0123456789abcdef0123456789abcdef")
	wrapped, keyID, err := k.Wrap(ctx, dek, aad)
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := k.Unwrap(ctx, keyID, wrapped, aad)
	fmt.Println(strings.HasPrefix(keyID, "arn:aws:kms:us-east-1:"), string(got) == string(dek), err)
	// Output: true true <nil>
}
