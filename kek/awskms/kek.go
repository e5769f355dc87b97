package awskms

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/credvault/credvault/kek"
)

// KMSAPI is the part of the KMS client a KEK uses; *kms.Client
// implements it.
type KMSAPI interface {
	Encrypt(ctx context.Context, in *kms.EncryptInput, optFns ...func(*kms.Options)) (*kms.EncryptOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
	ReEncrypt(ctx context.Context, in *kms.ReEncryptInput, optFns ...func(*kms.Options)) (*kms.ReEncryptOutput, error)
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

// DefaultKeyIDCacheTTL is how long CurrentKeyID trusts a resolved ARN.
const DefaultKeyIDCacheTTL = 30 * time.Second

var (
	_ kek.KEK       = (*KEK)(nil)
	_ kek.Rewrapper = (*KEK)(nil)
	_ KMSAPI        = (*kms.Client)(nil)
)

// A KEK wraps DEKs with one AWS KMS symmetric key. It is safe for
// concurrent use.
type KEK struct {
	client KMSAPI
	keyID  string
	ttl    time.Duration
	now    func() time.Time
	optFns []func(*kms.Options)
	extra  map[string]bool // WithAllowedKeys

	mu      sync.Mutex
	arn     string
	expires time.Time
}

// An Option configures a KEK.
type Option func(*KEK) error

// WithMaxAttempts sets the SDK retryer's maximum attempts (first try
// included) for this KEK's calls; n must be at least 1.
func WithMaxAttempts(n int) Option {
	return func(k *KEK) error {
		if n < 1 {
			return fmt.Errorf("awskms: max attempts %d: %w", n, kek.ErrInvalidInput)
		}
		k.optFns = append(k.optFns, func(o *kms.Options) { o.RetryMaxAttempts = n })
		return nil
	}
}

// WithAllowedKeys lets Unwrap and Rewrap accept DEKs recorded under these
// key ARNs in addition to the key the configured identifier currently
// names. Use it when an alias moves to a new key: list the old key's ARN
// until a rotation job has rewrapped every record under it.
func WithAllowedKeys(arns ...string) Option {
	return func(k *KEK) error {
		for _, arn := range arns {
			if !isKeyARN(arn) {
				return fmt.Errorf("awskms: allowed key is not a KMS key ARN: %w", kek.ErrInvalidInput)
			}
			k.extra[arn] = true
		}
		return nil
	}
}

// WithKeyIDCacheTTL sets how long CurrentKeyID caches the resolved key ARN
// (0 disables the cache).
func WithKeyIDCacheTTL(d time.Duration) Option {
	return func(k *KEK) error {
		if d < 0 {
			return fmt.Errorf("awskms: negative cache TTL: %w", kek.ErrInvalidInput)
		}
		k.ttl = d
		return nil
	}
}

// New returns a KEK using client and the KMS key keyID (key ID, key ARN,
// alias name or alias ARN). It makes no call; CurrentKeyID or Wrap reach
// KMS.
func New(client KMSAPI, keyID string, opts ...Option) (*KEK, error) {
	if client == nil {
		return nil, fmt.Errorf("awskms: nil client: %w", kek.ErrInvalidInput)
	}
	if keyID == "" || len(keyID) > kek.MaxKeyIDSize || strings.ContainsAny(keyID, " \t\r\n") {
		return nil, fmt.Errorf("awskms: malformed key identifier: %w", kek.ErrInvalidInput)
	}
	k := &KEK{client: client, keyID: keyID, ttl: DefaultKeyIDCacheTTL, now: time.Now, extra: map[string]bool{}}
	for _, o := range opts {
		if err := o(k); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// String describes the KEK by its configured key identifier.
func (k *KEK) String() string { return "awskms:" + k.keyID }

// Wrap encrypts dek with KMS Encrypt under the configured key, with an
// EncryptionContext binding aad.Data (by its SHA-256) and aad.Labels, and
// returns the ciphertext blob and the key ARN KMS used. Unwrap and Rewrap
// need the same Data and Labels.
func (k *KEK) Wrap(ctx context.Context, dek []byte, aad kek.AAD) ([]byte, string, error) {
	if len(dek) == 0 || len(dek) > kek.MaxDEKSize {
		return nil, "", invalid("Encrypt", "DEK must be 1 to %d bytes", kek.MaxDEKSize)
	}
	ec, err := encryptionContext(aad)
	if err != nil {
		return nil, "", err
	}
	if err := ctx.Err(); err != nil {
		return nil, "", mapError("Encrypt", err)
	}
	out, err := k.client.Encrypt(ctx, &kms.EncryptInput{
		KeyId: aws.String(k.keyID), Plaintext: dek, EncryptionContext: ec,
	}, k.optFns...)
	if err != nil {
		return nil, "", mapError("Encrypt", err)
	}
	arn := aws.ToString(out.KeyId)
	if !isKeyARN(arn) || len(out.CiphertextBlob) == 0 || len(out.CiphertextBlob) > kek.MaxWrappedSize {
		return nil, "", protocolError("Encrypt")
	}
	k.remember(arn)
	return out.CiphertextBlob, arn, nil
}

// Unwrap decrypts a DEK with KMS Decrypt, naming keyID (a key ARN) so KMS
// refuses a ciphertext of any other key. keyID must be the key this KEK
// currently uses or one allowed with WithAllowedKeys: the credentials may
// reach other keys, but this KEK does not unwrap for them.
func (k *KEK) Unwrap(ctx context.Context, keyID string, wrapped []byte, aad kek.AAD) ([]byte, error) {
	ec, err := k.checkUnwrapArgs(ctx, "Decrypt", keyID, wrapped, aad)
	if err != nil {
		return nil, err
	}
	out, err := k.client.Decrypt(ctx, &kms.DecryptInput{
		KeyId: aws.String(keyID), CiphertextBlob: wrapped, EncryptionContext: ec,
	}, k.optFns...)
	if err != nil {
		return nil, mapError("Decrypt", err)
	}
	if aws.ToString(out.KeyId) != keyID || len(out.Plaintext) == 0 {
		clear(out.Plaintext)
		return nil, &Error{Op: "Decrypt", kind: kek.ErrUnwrap, Err: errors.New("KMS answered for another key")}
	}
	return out.Plaintext, nil
}

// Rewrap moves a DEK wrapped by keyID to the configured key with KMS
// ReEncrypt, keeping the same encryption context. The plaintext DEK never
// enters the process. It returns the new blob and the destination key ARN.
func (k *KEK) Rewrap(ctx context.Context, keyID string, wrapped []byte, aad kek.AAD) ([]byte, string, error) {
	ec, err := k.checkUnwrapArgs(ctx, "ReEncrypt", keyID, wrapped, aad)
	if err != nil {
		return nil, "", err
	}
	out, err := k.client.ReEncrypt(ctx, &kms.ReEncryptInput{
		CiphertextBlob: wrapped, SourceKeyId: aws.String(keyID), SourceEncryptionContext: ec,
		DestinationKeyId: aws.String(k.keyID), DestinationEncryptionContext: ec,
	}, k.optFns...)
	if err != nil {
		return nil, "", mapError("ReEncrypt", err)
	}
	arn := aws.ToString(out.KeyId)
	src := aws.ToString(out.SourceKeyId)
	if !isKeyARN(arn) || (src != "" && src != keyID) || len(out.CiphertextBlob) == 0 || len(out.CiphertextBlob) > kek.MaxWrappedSize {
		return nil, "", protocolError("ReEncrypt")
	}
	k.remember(arn)
	return out.CiphertextBlob, arn, nil
}

// checkUnwrapArgs validates Unwrap/Rewrap input, checks keyID belongs to
// this KEK and builds the encryption context.
func (k *KEK) checkUnwrapArgs(ctx context.Context, op, keyID string, wrapped []byte, aad kek.AAD) (map[string]string, error) {
	switch {
	case len(keyID) > kek.MaxKeyIDSize:
		return nil, invalid(op, "key ID longer than %d bytes", kek.MaxKeyIDSize)
	case len(wrapped) == 0 || len(wrapped) > kek.MaxWrappedSize:
		return nil, invalid(op, "wrapped DEK must be 1 to %d bytes", kek.MaxWrappedSize)
	case !isKeyARN(keyID):
		return nil, &Error{Op: op, kind: kek.ErrKeyNotFound, Err: errors.New("key ID is not a KMS key ARN")}
	}
	ec, err := encryptionContext(aad)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, mapError(op, err)
	}
	if err := k.owns(ctx, op, keyID); err != nil {
		return nil, err
	}
	return ec, nil
}

// owns reports an error unless keyID is an allowed key or the current one.
// A keyID that differs from the cached current ARN triggers a fresh
// DescribeKey, so a retarget made elsewhere is seen at once.
func (k *KEK) owns(ctx context.Context, op, keyID string) error {
	if k.extra[keyID] || keyID == k.cached() || k.namesDirectly(keyID) {
		return nil
	}
	current, err := k.resolve(ctx)
	if err != nil {
		return err
	}
	if keyID != current {
		return &Error{Op: op, kind: kek.ErrKeyNotFound, Err: errors.New("key ID is not a key of this KEK")}
	}
	return nil
}

// CurrentKeyID reports the ARN of the key the configured identifier names,
// resolved with DescribeKey and cached for the KEK's TTL. A key that is not
// enabled reports kek.ErrKeyDisabled.
func (k *KEK) CurrentKeyID(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", mapError("DescribeKey", err)
	}
	if arn := k.cached(); arn != "" {
		return arn, nil
	}
	return k.resolve(ctx)
}

// namesDirectly reports whether the configured identifier is keyID itself
// or its bare key ID, so no DescribeKey is needed to accept it.
func (k *KEK) namesDirectly(keyID string) bool {
	return keyID == k.keyID || (!strings.Contains(k.keyID, "/") && strings.HasSuffix(keyID, ":key/"+k.keyID))
}

// resolve looks the configured identifier up with DescribeKey and caches
// the ARN.
func (k *KEK) resolve(ctx context.Context) (string, error) {
	out, err := k.client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.keyID)}, k.optFns...)
	if err != nil {
		return "", mapError("DescribeKey", err)
	}
	m := out.KeyMetadata
	if m == nil || !isKeyARN(aws.ToString(m.Arn)) {
		return "", protocolError("DescribeKey")
	}
	if m.KeyState != types.KeyStateEnabled {
		return "", &Error{Op: "DescribeKey", kind: kek.ErrKeyDisabled, Err: fmt.Errorf("key state %s", m.KeyState)}
	}
	if m.KeyUsage != "" && m.KeyUsage != types.KeyUsageTypeEncryptDecrypt {
		return "", invalid("DescribeKey", "key usage %s cannot wrap", m.KeyUsage)
	}
	k.remember(*m.Arn)
	return *m.Arn, nil
}

func (k *KEK) cached() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.arn != "" && k.now().Before(k.expires) {
		return k.arn
	}
	return ""
}

func (k *KEK) remember(arn string) {
	if k.ttl == 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.arn, k.expires = arn, k.now().Add(k.ttl)
}
