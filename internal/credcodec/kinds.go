package credcodec

import "github.com/credvault/credvault/credentials"

// A kindCodec is one kind's place in the encoding: its code and its fields
// (JSON names, used in errors) in encoding order, and how to build the
// typed value from the field values in that order (the inverse of
// values).
type kindCodec struct {
	kind   credentials.Kind
	code   byte     // never reuse a retired code
	fields []string // required JSON fields, then optional ones
	build  func(v [maxFields]string) credentials.Credential
}

// maxFields is the most fields any kind has (AwsEcr).
const maxFields = 6

// secret wraps a decoded field as a Secret.
var secret = credentials.NewSecret

// codecs is the kind table. Its codes and field orders are the wire
// format: change neither.
var codecs = [...]kindCodec{
	{credentials.KindUsernamePassword, 1, []string{"username", "password"}, func(v [maxFields]string) credentials.Credential {
		return credentials.UsernamePassword{Username: v[0], Password: secret(v[1])}
	}},
	{credentials.KindUsernamePat, 2, []string{"username", "pat"}, func(v [maxFields]string) credentials.Credential {
		return credentials.UsernamePat{Username: v[0], Pat: secret(v[1])}
	}},
	{credentials.KindAwsEcr, 3, []string{"accessKeyId", "secretAccessKey", "region", "sessionToken", "roleArn", "externalId"},
		func(v [maxFields]string) credentials.Credential {
			return credentials.AwsEcr{AccessKeyID: v[0], SecretAccessKey: secret(v[1]), Region: v[2],
				SessionToken: secret(v[3]), RoleArn: v[4], ExternalID: secret(v[5])}
		}},
	{credentials.KindGoogleGar, 4, []string{"serviceAccountKey"}, func(v [maxFields]string) credentials.Credential {
		return credentials.GoogleGar{ServiceAccountKey: secret(v[0])}
	}},
	{credentials.KindAzureAcr, 5, []string{"tenantId", "clientId", "clientSecret"}, func(v [maxFields]string) credentials.Credential {
		return credentials.AzureAcr{TenantID: v[0], ClientID: v[1], ClientSecret: secret(v[2])}
	}},
	{credentials.KindHarborRobot, 6, []string{"robotName", "secret"}, func(v [maxFields]string) credentials.Credential {
		return credentials.HarborRobot{RobotName: v[0], Secret: secret(v[1])}
	}},
	{credentials.KindJfrogIdentityToken, 7, []string{"username", "identityToken"}, func(v [maxFields]string) credentials.Credential {
		return credentials.JfrogIdentityToken{Username: v[0], IdentityToken: secret(v[1])}
	}},
}

// values returns c's fields in encoding order, secrets revealed (unused
// trailing entries are ""). It is the one place the encoding reads
// plaintext from a credential. c must have passed
// credentials.DescribeValid, which refuses nil pointers and foreign types.
func values(c credentials.Credential) [maxFields]string {
	switch v := c.(type) {
	case credentials.UsernamePassword:
		return [maxFields]string{v.Username, v.Password.Reveal()}
	case credentials.UsernamePat:
		return [maxFields]string{v.Username, v.Pat.Reveal()}
	case credentials.AwsEcr:
		return [maxFields]string{v.AccessKeyID, v.SecretAccessKey.Reveal(), v.Region,
			v.SessionToken.Reveal(), v.RoleArn, v.ExternalID.Reveal()}
	case credentials.GoogleGar:
		return [maxFields]string{v.ServiceAccountKey.Reveal()}
	case credentials.AzureAcr:
		return [maxFields]string{v.TenantID, v.ClientID, v.ClientSecret.Reveal()}
	case credentials.HarborRobot:
		return [maxFields]string{v.RobotName, v.Secret.Reveal()}
	case credentials.JfrogIdentityToken:
		return [maxFields]string{v.Username, v.IdentityToken.Reveal()}
	}
	return valuesOfPointer(c)
}

// valuesOfPointer is values for a pointer to one of the kinds.
func valuesOfPointer(c credentials.Credential) (vals [maxFields]string) {
	switch v := c.(type) {
	case *credentials.UsernamePassword:
		return values(*v)
	case *credentials.UsernamePat:
		return values(*v)
	case *credentials.AwsEcr:
		return values(*v)
	case *credentials.GoogleGar:
		return values(*v)
	case *credentials.AzureAcr:
		return values(*v)
	case *credentials.HarborRobot:
		return values(*v)
	case *credentials.JfrogIdentityToken:
		return values(*v)
	}
	return vals
}

func codecFor(k credentials.Kind) (kindCodec, bool) {
	for _, c := range codecs {
		if c.kind == k {
			return c, true
		}
	}
	return kindCodec{}, false
}

func codecForCode(code byte) (kindCodec, bool) {
	for _, c := range codecs {
		if c.code == code {
			return c, true
		}
	}
	return kindCodec{}, false
}
