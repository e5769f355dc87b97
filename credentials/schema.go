package credentials

// JSON field names, as spelled by the HarborGuard API.
const (
	fUsername          = "username"
	fPassword          = "password"
	fPat               = "pat"
	fAccessKeyID       = "accessKeyId"
	fSecretAccessKey   = "secretAccessKey"
	fSessionToken      = "sessionToken"
	fRegion            = "region"
	fRoleArn           = "roleArn"
	fExternalID        = "externalId"
	fServiceAccountKey = "serviceAccountKey"
	fTenantID          = "tenantId"
	fClientID          = "clientId"
	fClientSecret      = "clientSecret"
	fRobotName         = "robotName"
	fSecret            = "secret"
	fIdentityToken     = "identityToken"
)

// A kindSpec describes one kind's JSON shape: its required and optional
// fields, in the fixed order the sealed encoding uses, and how to build the
// typed value from the field values in that order (the inverse of
// fieldValues; an absent optional field is "").
type kindSpec struct {
	kind     Kind
	code     byte     // sealed-encoding kind code; never reuse a retired code
	required []string // in encoding order
	optional []string // in encoding order, after required
	build    func(v [maxFields]string) Credential
}

// maxFields is the most fields any kind has (AwsEcr).
const maxFields = 6

// specs is the kind table, in Kinds() order.
var specs = []kindSpec{
	{KindUsernamePassword, 1, []string{fUsername, fPassword}, nil, func(v [maxFields]string) Credential {
		return UsernamePassword{Username: v[0], Password: NewSecret(v[1])}
	}},
	{KindUsernamePat, 2, []string{fUsername, fPat}, nil, func(v [maxFields]string) Credential {
		return UsernamePat{Username: v[0], Pat: NewSecret(v[1])}
	}},
	{KindAwsEcr, 3, []string{fAccessKeyID, fSecretAccessKey, fRegion},
		[]string{fSessionToken, fRoleArn, fExternalID}, func(v [maxFields]string) Credential {
			return AwsEcr{AccessKeyID: v[0], SecretAccessKey: NewSecret(v[1]), Region: v[2],
				SessionToken: NewSecret(v[3]), RoleArn: v[4], ExternalID: v[5]}
		}},
	{KindGoogleGar, 4, []string{fServiceAccountKey}, nil, func(v [maxFields]string) Credential {
		return GoogleGar{ServiceAccountKey: NewSecret(v[0])}
	}},
	{KindAzureAcr, 5, []string{fTenantID, fClientID, fClientSecret}, nil, func(v [maxFields]string) Credential {
		return AzureAcr{TenantID: v[0], ClientID: v[1], ClientSecret: NewSecret(v[2])}
	}},
	{KindHarborRobot, 6, []string{fRobotName, fSecret}, nil, func(v [maxFields]string) Credential {
		return HarborRobot{RobotName: v[0], Secret: NewSecret(v[1])}
	}},
	{KindJfrogIdentityToken, 7, []string{fUsername, fIdentityToken}, nil, func(v [maxFields]string) Credential {
		return JfrogIdentityToken{Username: v[0], IdentityToken: NewSecret(v[1])}
	}},
}

// ordered returns the values of fields in s's encoding order.
func (s kindSpec) ordered(fields map[string]string) (vals [maxFields]string) {
	i := 0
	for _, names := range [2][]string{s.required, s.optional} {
		for _, name := range names {
			vals[i], i = fields[name], i+1
		}
	}
	return vals
}

// fieldValues returns c's fields in encoding order (required, then optional),
// secrets revealed, and how many there are. It is the single place the
// sealed encoding reads plaintext from a credential. ok is false for a nil
// pointer or a foreign type.
func fieldValues(c Credential) (vals [maxFields]string, n int, ok bool) {
	switch v := c.(type) {
	case UsernamePassword:
		return [maxFields]string{v.Username, v.Password.Reveal()}, 2, true
	case UsernamePat:
		return [maxFields]string{v.Username, v.Pat.Reveal()}, 2, true
	case AwsEcr:
		return [maxFields]string{v.AccessKeyID, v.SecretAccessKey.Reveal(), v.Region,
			v.SessionToken.Reveal(), v.RoleArn, v.ExternalID}, 6, true
	case GoogleGar:
		return [maxFields]string{v.ServiceAccountKey.Reveal()}, 1, true
	case AzureAcr:
		return [maxFields]string{v.TenantID, v.ClientID, v.ClientSecret.Reveal()}, 3, true
	case HarborRobot:
		return [maxFields]string{v.RobotName, v.Secret.Reveal()}, 2, true
	case JfrogIdentityToken:
		return [maxFields]string{v.Username, v.IdentityToken.Reveal()}, 2, true
	}
	return vals, 0, false
}

// deref turns a pointer to one of the kinds into the value it points to, so
// that *UsernamePassword (which also satisfies Credential) is handled like
// UsernamePassword. ok is false for nil, a nil pointer, or a foreign type.
func deref(c Credential) (Credential, bool) {
	switch v := c.(type) {
	case nil:
		return nil, false
	case *UsernamePassword:
		return derefPtr(v)
	case *UsernamePat:
		return derefPtr(v)
	case *AwsEcr:
		return derefPtr(v)
	case *GoogleGar:
		return derefPtr(v)
	case *AzureAcr:
		return derefPtr(v)
	case *HarborRobot:
		return derefPtr(v)
	case *JfrogIdentityToken:
		return derefPtr(v)
	}
	return c, true
}

func derefPtr[T Credential](p *T) (Credential, bool) {
	if p == nil {
		return nil, false
	}
	return *p, true
}

func specFor(k Kind) (kindSpec, bool) {
	for _, s := range specs {
		if s.kind == k {
			return s, true
		}
	}
	return kindSpec{}, false
}

func specForCode(code byte) (kindSpec, bool) {
	for _, s := range specs {
		if s.code == code {
			return s, true
		}
	}
	return kindSpec{}, false
}

func (s kindSpec) allows(field string) bool {
	return contains(s.required, field) || contains(s.optional, field)
}

// matches reports whether present is exactly a valid field set for s: every
// required field and nothing beyond required ∪ optional.
func (s kindSpec) matches(present map[string]string) bool {
	for _, f := range s.required {
		if _, ok := present[f]; !ok {
			return false
		}
	}
	for f := range present {
		if !s.allows(f) {
			return false
		}
	}
	return true
}

func knownField(field string) bool {
	for _, s := range specs {
		if s.allows(field) {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
