package kmsemu

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Limits KMS documents for symmetric operations.
const (
	maxPlaintext   = 4096
	maxDataKeySize = 1024
	algSymmetric   = "SYMMETRIC_DEFAULT"
	usageEncrypt   = "ENCRYPT_DECRYPT"
)

var aliasPattern = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]{1,250}$`)

// dispatch runs one operation on a decoded body.
func (e *Emulator) dispatch(op string, body []byte) (any, *apiError) {
	switch op {
	case "CreateKey":
		return e.opCreateKey(body)
	case "DescribeKey":
		return e.opDescribeKey(body)
	case "Encrypt":
		return e.opEncrypt(body)
	case "Decrypt":
		return e.opDecrypt(body)
	case "ReEncrypt":
		return e.opReEncrypt(body)
	case "GenerateDataKey":
		return e.opGenerateDataKey(body, true)
	case "GenerateDataKeyWithoutPlaintext":
		return e.opGenerateDataKey(body, false)
	case "CreateAlias":
		return e.opPutAlias(body, false)
	case "UpdateAlias":
		return e.opPutAlias(body, true)
	case "ListAliases":
		return e.opListAliases(body)
	case "EnableKey":
		return e.opSetEnabled(body, true)
	case "DisableKey":
		return e.opSetEnabled(body, false)
	default: // RotateKeyOnDemand; checkRequest admits only known ops.
		return e.opRotate(body)
	}
}

// KeyMetadata is the subset of KMS KeyMetadata the emulator reports.
type KeyMetadata struct {
	AWSAccountId          string
	Arn                   string
	KeyId                 string
	CreationDate          float64
	Description           string
	Enabled               bool
	KeyState              string
	KeyUsage              string
	KeySpec               string
	CustomerMasterKeySpec string
	EncryptionAlgorithms  []string `json:",omitempty"`
	KeyManager            string
	Origin                string
	MultiRegion           bool
}

func (e *Emulator) metadata(k *key) KeyMetadata {
	m := KeyMetadata{
		AWSAccountId: e.account, Arn: k.arn, KeyId: k.id, CreationDate: epoch(k.created),
		Description: k.description, Enabled: k.state == StateEnabled, KeyState: k.state,
		KeyUsage: k.usage, KeySpec: algSymmetric, CustomerMasterKeySpec: algSymmetric,
		KeyManager: "CUSTOMER", Origin: "AWS_KMS", MultiRegion: k.multiRegion,
	}
	if k.usage == usageEncrypt {
		m.EncryptionAlgorithms = []string{algSymmetric}
	}
	return m
}

// AddKey creates an enabled symmetric ENCRYPT_DECRYPT key and returns its
// ARN. A multi-Region key gets an "mrk-" key ID.
func (e *Emulator) AddKey(multiRegion bool) string {
	return e.addKey(multiRegion, usageEncrypt, "").arn
}

func (e *Emulator) addKey(multiRegion bool, usage, desc string) *key {
	id := newKeyID(multiRegion)
	k := &key{
		id: id, arn: e.arnPrefix() + "key/" + id, state: StateEnabled, usage: usage,
		multiRegion: multiRegion, description: desc, created: time.Now(),
		versions: [][]byte{newBackingKey()},
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keys[id] = k
	return k
}

type createKeyReq struct {
	Description string
	KeyUsage    string
	KeySpec     string
	MultiRegion bool
}

func (e *Emulator) opCreateKey(body []byte) (any, *apiError) {
	var in createKeyReq
	if aerr := decode(body, &in); aerr != nil {
		return nil, aerr
	}
	if in.KeySpec != "" && in.KeySpec != algSymmetric {
		return nil, newErr(ExValidation, "the emulator supports only KeySpec SYMMETRIC_DEFAULT")
	}
	usage := in.KeyUsage
	if usage == "" {
		usage = usageEncrypt
	}
	if !slices.Contains([]string{usageEncrypt, "SIGN_VERIFY", "GENERATE_VERIFY_MAC"}, usage) {
		return nil, newErr(ExValidation, "invalid KeyUsage")
	}
	k := e.addKey(in.MultiRegion, usage, in.Description)
	e.mu.RLock()
	defer e.mu.RUnlock()
	return map[string]any{"KeyMetadata": e.metadata(k)}, nil
}

type keyIDReq struct{ KeyId string }

func (e *Emulator) opDescribeKey(body []byte) (any, *apiError) {
	var in keyIDReq
	if aerr := decode(body, &in); aerr != nil {
		return nil, aerr
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	k, aerr := e.resolveLocked(in.KeyId)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := e.denied("DescribeKey", k.arn); aerr != nil {
		return nil, aerr
	}
	return map[string]any{"KeyMetadata": e.metadata(k)}, nil
}

// useKey resolves keyID and checks it may run op: deny list, state and
// usage. The caller holds e.mu.
func (e *Emulator) useKeyLocked(op, keyID string) (*key, *apiError) {
	k, aerr := e.resolveLocked(keyID)
	if aerr != nil {
		return nil, aerr
	}
	return k, e.checkUse(op, k)
}

func (e *Emulator) checkUse(op string, k *key) *apiError {
	if aerr := e.denied(op, k.arn); aerr != nil {
		return aerr
	}
	if aerr := usable(k); aerr != nil {
		return aerr
	}
	if k.usage != usageEncrypt {
		return newErr(ExInvalidKeyUsage, "%s key usage is %s which is not valid for %s.", k.arn, k.usage, op)
	}
	return nil
}

func checkAlgorithm(alg string) *apiError {
	if alg != "" && alg != algSymmetric {
		return newErr(ExInvalidKeyUsage, "the emulator supports only SYMMETRIC_DEFAULT")
	}
	return nil
}

func checkContext(ctx map[string]string) *apiError {
	if len(ctx) > maxContextKV {
		return newErr(ExValidation, "EncryptionContext has too many entries")
	}
	for k := range ctx {
		if k == "" {
			return newErr(ExValidation, "EncryptionContext keys must not be empty")
		}
	}
	return nil
}

// seal encrypts plaintext under the key's newest backing version.
func seal(k *key, plaintext []byte, ctx map[string]string) ([]byte, *apiError) {
	b := &blob{keyID: k.id, backing: uint32(len(k.versions) - 1), nonce: make([]byte, nonceSize)}
	_, _ = rand.Read(b.nonce)
	aead, aerr := gcmFor(k.versions[b.backing])
	if aerr != nil {
		return nil, aerr
	}
	aad := append(b.headerBytes(), canonicalContext(ctx)...)
	b.sealed = aead.Seal(nil, b.nonce, plaintext, aad)
	return b.marshal(), nil
}

// open authenticates and decrypts a parsed blob under k.
func open(k *key, b *blob, ctx map[string]string) ([]byte, *apiError) {
	if int(b.backing) >= len(k.versions) {
		return nil, newErr(ExInvalidCiphertext, "")
	}
	aead, aerr := gcmFor(k.versions[b.backing])
	if aerr != nil {
		return nil, aerr
	}
	aad := append(slices.Clip(b.header), canonicalContext(ctx)...)
	pt, err := aead.Open(nil, b.nonce, b.sealed, aad)
	if err != nil {
		return nil, newErr(ExInvalidCiphertext, "")
	}
	return pt, nil
}

func gcmFor(keyBytes []byte) (cipher.AEAD, *apiError) {
	block, err := aes.NewCipher(keyBytes)
	if err != nil {
		return nil, newErr(ExInternal, "bad backing key")
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return nil, newErr(ExInternal, "bad backing key")
	}
	return g, nil
}

type encryptReq struct {
	KeyId               string
	Plaintext           []byte
	EncryptionContext   map[string]string
	EncryptionAlgorithm string
}

func (e *Emulator) opEncrypt(body []byte) (any, *apiError) {
	var in encryptReq
	if aerr := decode(body, &in); aerr != nil {
		return nil, aerr
	}
	if len(in.Plaintext) == 0 || len(in.Plaintext) > maxPlaintext {
		return nil, newErr(ExValidation, "Plaintext must be 1 to %d bytes", maxPlaintext)
	}
	if aerr := firstErr(checkAlgorithm(in.EncryptionAlgorithm), checkContext(in.EncryptionContext)); aerr != nil {
		return nil, aerr
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	k, aerr := e.useKeyLocked("Encrypt", in.KeyId)
	if aerr != nil {
		return nil, aerr
	}
	ct, aerr := seal(k, in.Plaintext, in.EncryptionContext)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"CiphertextBlob": ct, "KeyId": k.arn, "EncryptionAlgorithm": algSymmetric}, nil
}

func firstErr(errs ...*apiError) *apiError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

type decryptReq struct {
	CiphertextBlob      []byte
	KeyId               string
	EncryptionContext   map[string]string
	EncryptionAlgorithm string
}

func (e *Emulator) opDecrypt(body []byte) (any, *apiError) {
	var in decryptReq
	if aerr := decode(body, &in); aerr != nil {
		return nil, aerr
	}
	if aerr := checkAlgorithm(in.EncryptionAlgorithm); aerr != nil {
		return nil, aerr
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	k, pt, aerr := e.openBlobLocked("Decrypt", in.CiphertextBlob, in.KeyId, in.EncryptionContext)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"KeyId": k.arn, "Plaintext": pt, "EncryptionAlgorithm": algSymmetric}, nil
}

// openBlobLocked parses and decrypts a ciphertext blob. If keyID is set it
// must name the blob's key (IncorrectKeyException otherwise).
func (e *Emulator) openBlobLocked(op string, data []byte, keyID string, ctx map[string]string) (*key, []byte, *apiError) {
	if len(data) == 0 || len(data) > maxBlobSize {
		return nil, nil, newErr(ExValidation, "CiphertextBlob must be 1 to %d bytes", maxBlobSize)
	}
	b, err := parseBlob(data)
	if err != nil {
		return nil, nil, newErr(ExInvalidCiphertext, "")
	}
	if keyID != "" {
		want, aerr := e.resolveLocked(keyID)
		if aerr != nil {
			return nil, nil, aerr
		}
		if want.id != b.keyID {
			return nil, nil, newErr(ExIncorrectKey, "The key ID in the request does not identify a KMS key that can perform this operation.")
		}
	}
	k, ok := e.keys[b.keyID]
	if !ok {
		return nil, nil, newErr(ExInvalidCiphertext, "")
	}
	if aerr := e.checkUse(op, k); aerr != nil {
		return nil, nil, aerr
	}
	pt, aerr := open(k, b, ctx)
	return k, pt, aerr
}

type reEncryptReq struct {
	CiphertextBlob                 []byte
	SourceKeyId                    string
	SourceEncryptionContext        map[string]string
	SourceEncryptionAlgorithm      string
	DestinationKeyId               string
	DestinationEncryptionContext   map[string]string
	DestinationEncryptionAlgorithm string
}

func (e *Emulator) opReEncrypt(body []byte) (any, *apiError) {
	var in reEncryptReq
	if aerr := decode(body, &in); aerr != nil {
		return nil, aerr
	}
	if aerr := firstErr(checkAlgorithm(in.SourceEncryptionAlgorithm),
		checkAlgorithm(in.DestinationEncryptionAlgorithm), checkContext(in.DestinationEncryptionContext)); aerr != nil {
		return nil, aerr
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	dst, aerr := e.useKeyLocked("ReEncrypt", in.DestinationKeyId)
	if aerr != nil {
		return nil, aerr
	}
	src, pt, aerr := e.openBlobLocked("ReEncrypt", in.CiphertextBlob, in.SourceKeyId, in.SourceEncryptionContext)
	if aerr != nil {
		return nil, aerr
	}
	defer clear(pt)
	ct, aerr := seal(dst, pt, in.DestinationEncryptionContext)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{
		"CiphertextBlob": ct, "KeyId": dst.arn, "SourceKeyId": src.arn,
		"SourceEncryptionAlgorithm": algSymmetric, "DestinationEncryptionAlgorithm": algSymmetric,
	}, nil
}

type dataKeyReq struct {
	KeyId             string
	EncryptionContext map[string]string
	KeySpec           string
	NumberOfBytes     *int
}

func (r *dataKeyReq) size() (int, *apiError) {
	switch {
	case r.KeySpec != "" && r.NumberOfBytes != nil:
		return 0, newErr(ExValidation, "specify either KeySpec or NumberOfBytes, not both")
	case r.NumberOfBytes != nil && (*r.NumberOfBytes < 1 || *r.NumberOfBytes > maxDataKeySize):
		return 0, newErr(ExValidation, "NumberOfBytes must be 1 to %d", maxDataKeySize)
	case r.NumberOfBytes != nil:
		return *r.NumberOfBytes, nil
	case r.KeySpec == "AES_256":
		return 32, nil
	case r.KeySpec == "AES_128":
		return 16, nil
	default:
		return 0, newErr(ExValidation, "KeySpec must be AES_256 or AES_128")
	}
}

func (e *Emulator) opGenerateDataKey(body []byte, withPlaintext bool) (any, *apiError) {
	var in dataKeyReq
	if aerr := decode(body, &in); aerr != nil {
		return nil, aerr
	}
	n, aerr := in.size()
	if aerr = firstErr(aerr, checkContext(in.EncryptionContext)); aerr != nil {
		return nil, aerr
	}
	op := "GenerateDataKey"
	if !withPlaintext {
		op += "WithoutPlaintext"
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	k, aerr := e.useKeyLocked(op, in.KeyId)
	if aerr != nil {
		return nil, aerr
	}
	pt := make([]byte, n)
	_, _ = rand.Read(pt)
	ct, aerr := seal(k, pt, in.EncryptionContext)
	if aerr != nil {
		return nil, aerr
	}
	out := map[string]any{"CiphertextBlob": ct, "KeyId": k.arn}
	if withPlaintext {
		out["Plaintext"] = pt
	}
	return out, nil
}

type aliasReq struct {
	AliasName   string
	TargetKeyId string
}

func (e *Emulator) opPutAlias(body []byte, update bool) (any, *apiError) {
	var in aliasReq
	if aerr := decode(body, &in); aerr != nil {
		return nil, aerr
	}
	return struct{}{}, e.putAlias(in.AliasName, in.TargetKeyId, update)
}

// AddAlias creates alias name ("alias/...") for the key keyID (a key ID or
// key ARN).
func (e *Emulator) AddAlias(name, keyID string) error {
	if aerr := e.putAlias(name, keyID, false); aerr != nil {
		return aerr
	}
	return nil
}

// RetargetAlias points an existing alias at another key.
func (e *Emulator) RetargetAlias(name, keyID string) error {
	if aerr := e.putAlias(name, keyID, true); aerr != nil {
		return aerr
	}
	return nil
}

func (e *Emulator) putAlias(name, target string, update bool) *apiError {
	if !aliasPattern.MatchString(name) || strings.HasPrefix(name, "alias/aws/") {
		return newErr(ExInvalidAliasName, "invalid alias name")
	}
	if strings.Contains(target, "alias/") {
		return newErr(ExValidation, "TargetKeyId must be a key ID or key ARN")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	k, aerr := e.resolveLocked(target)
	if aerr != nil {
		return aerr
	}
	a, exists := e.aliases[name]
	switch {
	case exists && !update:
		return newErr(ExAlreadyExists, "An alias with the name %s already exists", e.arnPrefix()+name)
	case !exists && update:
		return newErr(ExNotFound, "Alias %s is not found.", e.arnPrefix()+name)
	case exists:
		a.target, a.updated = k.id, time.Now()
	default:
		now := time.Now()
		e.aliases[name] = &alias{name: name, target: k.id, created: now, updated: now}
	}
	return nil
}

type aliasEntry struct {
	AliasName       string
	AliasArn        string
	TargetKeyId     string
	CreationDate    float64
	LastUpdatedDate float64
}

// opListAliases lists every alias (optionally only those of KeyId) in one
// page: the emulator never truncates.
func (e *Emulator) opListAliases(body []byte) (any, *apiError) {
	var in keyIDReq
	if aerr := decode(body, &in); aerr != nil {
		return nil, aerr
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	filter := ""
	if in.KeyId != "" {
		k, aerr := e.resolveLocked(in.KeyId)
		if aerr != nil {
			return nil, aerr
		}
		filter = k.id
	}
	list := []aliasEntry{}
	for _, a := range e.aliases {
		if filter == "" || a.target == filter {
			list = append(list, aliasEntry{a.name, e.arnPrefix() + a.name, a.target, epoch(a.created), epoch(a.updated)})
		}
	}
	slices.SortFunc(list, func(x, y aliasEntry) int { return strings.Compare(x.AliasName, y.AliasName) })
	return map[string]any{"Aliases": list, "Truncated": false}, nil
}

func (e *Emulator) opSetEnabled(body []byte, enabled bool) (any, *apiError) {
	var in keyIDReq
	if aerr := decode(body, &in); aerr != nil {
		return nil, aerr
	}
	state := StateDisabled
	if enabled {
		state = StateEnabled
	}
	return struct{}{}, e.setState(in.KeyId, state)
}

// SetKeyState sets a key's state (StateEnabled, StateDisabled or
// StatePendingDeletion).
func (e *Emulator) SetKeyState(keyID, state string) error {
	if aerr := e.setState(keyID, state); aerr != nil {
		return aerr
	}
	return nil
}

func (e *Emulator) setState(keyID, state string) *apiError {
	e.mu.Lock()
	defer e.mu.Unlock()
	k, aerr := e.resolveLocked(keyID)
	if aerr != nil {
		return aerr
	}
	if k.state == StatePendingDeletion && state != StatePendingDeletion {
		return newErr(ExInvalidState, "%s is pending deletion.", k.arn)
	}
	k.state = state
	return nil
}

func (e *Emulator) opRotate(body []byte) (any, *apiError) {
	var in keyIDReq
	if aerr := decode(body, &in); aerr != nil {
		return nil, aerr
	}
	k, aerr := e.rotate(in.KeyId)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"KeyId": k.id}, nil
}

// RotateKey adds a new backing version to the key; ciphertexts under older
// versions keep decrypting.
func (e *Emulator) RotateKey(keyID string) error {
	if _, aerr := e.rotate(keyID); aerr != nil {
		return aerr
	}
	return nil
}

func (e *Emulator) rotate(keyID string) (*key, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k, aerr := e.useKeyLocked("RotateKeyOnDemand", keyID)
	if aerr != nil {
		return nil, aerr
	}
	k.versions = append(k.versions, newBackingKey())
	return k, nil
}

// KeyVersions reports how many backing versions a key has (0 if unknown).
func (e *Emulator) KeyVersions(keyID string) int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	k, aerr := e.resolveLocked(keyID)
	if aerr != nil {
		return 0
	}
	return len(k.versions)
}
