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
// fields, and how to build the typed value from the field values in that
// order (required, then optional; an absent optional field is "").
type kindSpec struct {
	kind     Kind
	required []string
	optional []string
	build    func(v [maxFields]string) Credential
}

// maxFields is the most fields any kind has (AwsEcr).
const maxFields = 6

// specs is the kind table, in Kinds() order.
var specs = []kindSpec{
	{KindUsernamePassword, []string{fUsername, fPassword}, nil, func(v [maxFields]string) Credential {
		return UsernamePassword{Username: v[0], Password: NewSecret(v[1])}
	}},
	{KindUsernamePat, []string{fUsername, fPat}, nil, func(v [maxFields]string) Credential {
		return UsernamePat{Username: v[0], Pat: NewSecret(v[1])}
	}},
	{KindAwsEcr, []string{fAccessKeyID, fSecretAccessKey, fRegion},
		[]string{fSessionToken, fRoleArn, fExternalID}, func(v [maxFields]string) Credential {
			return AwsEcr{AccessKeyID: v[0], SecretAccessKey: NewSecret(v[1]), Region: v[2],
				SessionToken: NewSecret(v[3]), RoleArn: v[4], ExternalID: NewSecret(v[5])}
		}},
	{KindGoogleGar, []string{fServiceAccountKey}, nil, func(v [maxFields]string) Credential {
		return GoogleGar{ServiceAccountKey: NewSecret(v[0])}
	}},
	{KindAzureAcr, []string{fTenantID, fClientID, fClientSecret}, nil, func(v [maxFields]string) Credential {
		return AzureAcr{TenantID: v[0], ClientID: v[1], ClientSecret: NewSecret(v[2])}
	}},
	{KindHarborRobot, []string{fRobotName, fSecret}, nil, func(v [maxFields]string) Credential {
		return HarborRobot{RobotName: v[0], Secret: NewSecret(v[1])}
	}},
	{KindJfrogIdentityToken, []string{fUsername, fIdentityToken}, nil, func(v [maxFields]string) Credential {
		return JfrogIdentityToken{Username: v[0], IdentityToken: NewSecret(v[1])}
	}},
}

// ordered returns the values of fields in the order s.build takes them.
func (s kindSpec) ordered(fields map[string]string) (vals [maxFields]string) {
	i := 0
	for _, names := range [2][]string{s.required, s.optional} {
		for _, name := range names {
			vals[i], i = fields[name], i+1
		}
	}
	return vals
}

// deref turns a pointer to one of the kinds into the value it points to, so
// that *UsernamePassword (which also satisfies Credential) is handled like
// UsernamePassword. ok is false for nil, a nil pointer, or a foreign type
// (one of another package that embeds a kind, and so satisfies Credential).
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
	case UsernamePassword, UsernamePat, AwsEcr, GoogleGar, AzureAcr, HarborRobot, JfrogIdentityToken:
		return c, true
	}
	return nil, false
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
