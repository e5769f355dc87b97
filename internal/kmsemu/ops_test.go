package kmsemu_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/credvault/credvault/internal/kmsemu"
)

// newClient returns a real SDK client for e with the given max attempts
// and no backoff between retries.
func newClient(e *kmsemu.Emulator, attempts int) *kms.Client {
	return kms.NewFromConfig(e.Config(), func(o *kms.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = attempts
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	})
}

var ecA = map[string]string{"org": "acme", "registry": "ghcr"}

func TestSDKOperations(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	c := newClient(e, 1)
	ctx := t.Context()

	ck, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("test")})
	require.NoError(t, err)
	arn := aws.ToString(ck.KeyMetadata.Arn)
	assert.True(t, strings.HasPrefix(arn, "arn:aws:kms:us-east-1:111122223333:key/"), arn)
	assert.Equal(t, types.KeyStateEnabled, ck.KeyMetadata.KeyState)
	assert.Equal(t, types.KeyUsageTypeEncryptDecrypt, ck.KeyMetadata.KeyUsage)

	dk, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: ck.KeyMetadata.KeyId})
	require.NoError(t, err)
	assert.Equal(t, arn, aws.ToString(dk.KeyMetadata.Arn))
	assert.Equal(t, []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecSymmetricDefault}, dk.KeyMetadata.EncryptionAlgorithms)
	assert.False(t, dk.KeyMetadata.CreationDate.IsZero())

	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &arn, Plaintext: []byte("dek"), EncryptionContext: ecA})
	require.NoError(t, err)
	assert.Equal(t, arn, aws.ToString(enc.KeyId))
	assert.Equal(t, types.EncryptionAlgorithmSpecSymmetricDefault, enc.EncryptionAlgorithm)

	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ecA})
	require.NoError(t, err)
	assert.Equal(t, []byte("dek"), dec.Plaintext)
	assert.Equal(t, arn, aws.ToString(dec.KeyId))

	other := e.AddKey(false)
	re, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{
		CiphertextBlob: enc.CiphertextBlob, SourceKeyId: &arn, SourceEncryptionContext: ecA,
		DestinationKeyId: &other, DestinationEncryptionContext: ecA,
	})
	require.NoError(t, err)
	assert.Equal(t, other, aws.ToString(re.KeyId))
	assert.Equal(t, arn, aws.ToString(re.SourceKeyId))
	dec, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob, KeyId: &other, EncryptionContext: ecA})
	require.NoError(t, err)
	assert.Equal(t, []byte("dek"), dec.Plaintext)

	gdk, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &arn, KeySpec: types.DataKeySpecAes256})
	require.NoError(t, err)
	assert.Len(t, gdk.Plaintext, 32)
	dec, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: gdk.CiphertextBlob})
	require.NoError(t, err)
	assert.Equal(t, gdk.Plaintext, dec.Plaintext)

	gwp, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: &arn, NumberOfBytes: aws.Int32(16), EncryptionContext: ecA})
	require.NoError(t, err)
	dec, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: gwp.CiphertextBlob, EncryptionContext: ecA})
	require.NoError(t, err)
	assert.Len(t, dec.Plaintext, 16)

	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/acme"), TargetKeyId: ck.KeyMetadata.KeyId})
	require.NoError(t, err)
	la, err := c.ListAliases(ctx, &kms.ListAliasesInput{})
	require.NoError(t, err)
	assert.Len(t, la.Aliases, 1)
	assert.Equal(t, "alias/acme", aws.ToString(la.Aliases[0].AliasName))
	assert.Equal(t, "arn:aws:kms:us-east-1:111122223333:alias/acme", aws.ToString(la.Aliases[0].AliasArn))
	assert.Equal(t, aws.ToString(ck.KeyMetadata.KeyId), aws.ToString(la.Aliases[0].TargetKeyId))

	_, err = c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &arn})
	require.NoError(t, err)
	dk, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/acme")})
	require.NoError(t, err)
	assert.False(t, dk.KeyMetadata.Enabled)
	assert.Equal(t, types.KeyStateDisabled, dk.KeyMetadata.KeyState)
	_, err = c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: &arn})
	require.NoError(t, err)

	rot, err := c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: &arn})
	require.NoError(t, err)
	assert.Equal(t, aws.ToString(ck.KeyMetadata.KeyId), aws.ToString(rot.KeyId))
	assert.Equal(t, 2, e.KeyVersions(arn))
	dec, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ecA})
	require.NoError(t, err, "ciphertext under the old backing key must still decrypt")
	assert.Equal(t, []byte("dek"), dec.Plaintext)
	enc2, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &arn, Plaintext: []byte("dek")})
	require.NoError(t, err)
	assert.NotEqual(t, enc.CiphertextBlob[:50], enc2.CiphertextBlob[:50])
}

func TestKeyIDForms(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	c := newClient(e, 1)
	arn := e.AddKey(false)
	mrk := e.AddKey(true)
	id := arn[strings.LastIndex(arn, "/")+1:]
	require.NoError(t, e.AddAlias("alias/org/acme", id))
	require.NoError(t, e.AddAlias("alias/mrk", mrk))
	assert.Contains(t, mrk, ":key/mrk-")

	tests := []struct{ name, keyID, want string }{
		{"key id", id, arn},
		{"key arn", arn, arn},
		{"alias name", "alias/org/acme", arn},
		{"alias arn", "arn:aws:kms:us-east-1:111122223333:alias/org/acme", arn},
		{"multi-Region arn", mrk, mrk},
		{"multi-Region id", mrk[strings.LastIndex(mrk, "/")+1:], mrk},
		{"multi-Region alias", "alias/mrk", mrk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.Encrypt(t.Context(), &kms.EncryptInput{KeyId: &tt.keyID, Plaintext: []byte{1}})
			require.NoError(t, err)
			assert.Equal(t, tt.want, aws.ToString(out.KeyId))
			dec, err := c.Decrypt(t.Context(), &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, KeyId: &tt.keyID})
			require.NoError(t, err)
			assert.Equal(t, []byte{1}, dec.Plaintext)
		})
	}
}

// TestSDKErrorTypes checks that every exception the emulator sends is
// decoded by the real SDK into its typed error (or, for exceptions the KMS
// model does not define, a smithy.APIError with that code).
func TestSDKErrorTypes(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	c := newClient(e, 1)
	arn := e.AddKey(false)
	other := e.AddKey(false)
	disabled := e.AddKey(false)
	require.NoError(t, e.SetKeyState(disabled, kmsemu.StateDisabled))
	pending := e.AddKey(false)
	require.NoError(t, e.SetKeyState(pending, kmsemu.StatePendingDeletion))
	denied := e.AddKey(false)
	require.NoError(t, e.Deny("Encrypt", denied))
	ck, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{KeyUsage: types.KeyUsageTypeSignVerify})
	require.NoError(t, err)
	signing := aws.ToString(ck.KeyMetadata.Arn)
	enc, err := c.Encrypt(t.Context(), &kms.EncryptInput{KeyId: &arn, Plaintext: []byte("x"), EncryptionContext: ecA})
	require.NoError(t, err)
	tampered := bytes.Clone(enc.CiphertextBlob)
	tampered[len(tampered)-1] ^= 1

	encrypt := func(key string, pt []byte) error {
		_, err := c.Encrypt(t.Context(), &kms.EncryptInput{KeyId: &key, Plaintext: pt})
		return err
	}
	decrypt := func(blob []byte, key string, ec map[string]string) error {
		in := &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec}
		if key != "" {
			in.KeyId = &key
		}
		_, err := c.Decrypt(t.Context(), in)
		return err
	}
	tests := []struct {
		name  string
		call  func() error
		check func(error) bool
		code  string
	}{
		{"not found", func() error { return encrypt("alias/missing", []byte("x")) }, as[*types.NotFoundException], "NotFoundException"},
		{"disabled", func() error { return encrypt(disabled, []byte("x")) }, as[*types.DisabledException], "DisabledException"},
		{"pending deletion", func() error { return encrypt(pending, []byte("x")) }, as[*types.KMSInvalidStateException], "KMSInvalidStateException"},
		{"key usage", func() error { return encrypt(signing, []byte("x")) }, as[*types.InvalidKeyUsageException], "InvalidKeyUsageException"},
		{"tampered blob", func() error { return decrypt(tampered, "", ecA) }, as[*types.InvalidCiphertextException], "InvalidCiphertextException"},
		{"context mismatch", func() error { return decrypt(enc.CiphertextBlob, "", map[string]string{"org": "acme"}) }, as[*types.InvalidCiphertextException], "InvalidCiphertextException"},
		{"no context", func() error { return decrypt(enc.CiphertextBlob, "", nil) }, as[*types.InvalidCiphertextException], "InvalidCiphertextException"},
		{"garbage blob", func() error { return decrypt([]byte("garbage"), "", nil) }, as[*types.InvalidCiphertextException], "InvalidCiphertextException"},
		{"incorrect key", func() error { return decrypt(enc.CiphertextBlob, other, ecA) }, as[*types.IncorrectKeyException], "IncorrectKeyException"},
		{"oversize plaintext", func() error { return encrypt(arn, make([]byte, 4097)) }, nil, "ValidationException"},
		{"access denied", func() error { return encrypt(denied, []byte("x")) }, nil, "AccessDeniedException"},
		{"throttled", func() error { e.ThrottleNext(1); return encrypt(arn, []byte("x")) }, nil, "ThrottlingException"},
		{"internal", func() error { e.FailNext(1); return encrypt(arn, []byte("x")) }, as[*types.KMSInternalException], "KMSInternalException"},
		{"dependency timeout", func() error { e.FailNextWith(1, kmsemu.ExDependencyTimeout); return encrypt(arn, []byte("x")) }, as[*types.DependencyTimeoutException], "DependencyTimeoutException"},
		{"alias exists", func() error { return e.AddAlias("alias/dup", arn) }, nil, ""},
	}
	require.NoError(t, e.AddAlias("alias/dup", arn))
	for _, tt := range tests {
		// Sequential: throttle and failure injections are global.
		err := tt.call()
		require.Error(t, err, tt.name)
		if tt.check != nil {
			assert.True(t, tt.check(err), "%s: got %T %v", tt.name, err, err)
		}
		if tt.code != "" {
			var ae smithy.APIError
			require.True(t, errors.As(err, &ae), tt.name)
			assert.Equal(t, tt.code, ae.ErrorCode(), tt.name)
		}
	}
}

func as[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func TestAliasErrors(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	c := newClient(e, 1)
	arn := e.AddKey(false)
	_, err := c.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String("alias/a"), TargetKeyId: &arn})
	require.NoError(t, err)
	_, err = c.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String("alias/a"), TargetKeyId: &arn})
	assert.True(t, as[*types.AlreadyExistsException](err), "%v", err)
	_, err = c.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String("alias/aws/x"), TargetKeyId: &arn})
	assert.True(t, as[*types.InvalidAliasNameException](err), "%v", err)
	_, err = c.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String("noprefix"), TargetKeyId: &arn})
	assert.True(t, as[*types.InvalidAliasNameException](err), "%v", err)
	_, err = c.UpdateAlias(t.Context(), &kms.UpdateAliasInput{AliasName: aws.String("alias/none"), TargetKeyId: &arn})
	assert.True(t, as[*types.NotFoundException](err), "%v", err)
}

func TestRetriesAndFaults(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	arn := e.AddKey(false)
	c := newClient(e, 4)
	ctx := t.Context()

	e.ThrottleNext(3)
	_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &arn, Plaintext: []byte{1}})
	require.NoError(t, err, "three throttles then success within four attempts")
	assert.Equal(t, int64(4), e.Calls("Encrypt"))
	assert.Equal(t, 3, e.Throttled())

	e.DropNext(1)
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: &arn, Plaintext: []byte{1}})
	require.NoError(t, err, "a dropped connection is retried")

	e.DropNext(1)
	_, err = newClient(e, 1).Encrypt(ctx, &kms.EncryptInput{KeyId: &arn, Plaintext: []byte{1}})
	require.Error(t, err)
	var ae smithy.APIError
	assert.False(t, errors.As(err, &ae), "a dropped connection is a transport error")

	e.SetLatency(time.Hour)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = c.Encrypt(short, &kms.EncryptInput{KeyId: &arn, Plaintext: []byte{1}})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	e.ClearFaults()
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: &arn, Plaintext: []byte{1}})
	require.NoError(t, err)
}

func TestConcurrentFaultChanges(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	arn := e.AddKey(false)
	c := newClient(e, 10)
	done := make(chan error, 8)
	for range 8 {
		go func() {
			var err error
			for range 10 {
				if _, err = c.Encrypt(t.Context(), &kms.EncryptInput{KeyId: &arn, Plaintext: []byte{1}}); err != nil {
					break
				}
			}
			done <- err
		}()
	}
	e.ThrottleFraction(0.3)
	require.NoError(t, e.RotateKey(arn))
	e.SetLatency(time.Millisecond)
	for range 8 {
		require.NoError(t, <-done)
	}
	e.ClearFaults()
	assert.True(t, e.Calls("Encrypt") >= 80, "calls %d", e.Calls("Encrypt"))
}

// BenchmarkEncryptSDK measures one Encrypt through the real SDK client
// (signing, HTTP on loopback, JSON, AES-GCM).
func BenchmarkEncryptSDK(b *testing.B) {
	e := kmsemu.Start(b)
	arn := e.AddKey(false)
	c := newClient(e, 1)
	dek := make([]byte, 32)
	for b.Loop() {
		if _, err := c.Encrypt(b.Context(), &kms.EncryptInput{KeyId: &arn, Plaintext: dek, EncryptionContext: ecA}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSDKSigningRegion checks that, like real KMS, the emulator refuses a
// request signed for another region (InvalidSignatureException, HTTP 400)
// rather than answering it with keys from its own region.
func TestSDKSigningRegion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, emulator, client string
		ok                     bool
	}{
		{"same region", "eu-west-1", "eu-west-1", true},
		{"default region", kmsemu.DefaultRegion, kmsemu.DefaultRegion, true},
		{"client in another region", kmsemu.DefaultRegion, "eu-west-1", false},
		{"emulator in another region", "eu-west-1", kmsemu.DefaultRegion, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := kmsemu.Start(t, kmsemu.WithRegion(tt.emulator))
			arn := e.AddKey(false)
			cfg := e.Config()
			cfg.Region = tt.client
			c := kms.NewFromConfig(cfg, func(o *kms.Options) { o.RetryMaxAttempts = 1 })

			out, err := c.Encrypt(t.Context(), &kms.EncryptInput{KeyId: &arn, Plaintext: []byte("dek")})
			if tt.ok {
				require.NoError(t, err)
				assert.True(t, strings.HasPrefix(aws.ToString(out.KeyId), "arn:aws:kms:"+tt.emulator+":"), aws.ToString(out.KeyId))
				return
			}
			require.Error(t, err)
			var ae smithy.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "InvalidSignatureException", ae.ErrorCode())
			var re *awshttp.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, http.StatusBadRequest, re.HTTPStatusCode())
		})
	}
}
