package credentials

import (
	"strings"
	"testing"
)

func TestValidateAwsEcr(t *testing.T) {
	t.Parallel()
	base := AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(fakeSecretKey), Region: "us-east-1"}
	with := func(f func(*AwsEcr)) Credential { c := base; f(&c); return c }
	temp := func(f func(*AwsEcr)) Credential {
		return with(func(c *AwsEcr) {
			c.AccessKeyID, c.SessionToken = fakeTempKeyID, NewSecret(fakeSessionToken)
			f(c)
		})
	}
	runValidate(t, []validateCase{
		{"long-term key", base, nil, ""},
		{"temporary key", temp(func(*AwsEcr) {}), nil, ""},
		{"role and external id", with(func(c *AwsEcr) { c.RoleArn, c.ExternalID = fakeRoleArn, NewSecret("Org-42:x/y@z") }), nil, ""},
		{"role with path", with(func(c *AwsEcr) { c.RoleArn = "arn:aws:iam::123456789012:role/service-role/ci/Pull+er" }), nil, ""},
		{"china", with(func(c *AwsEcr) {
			c.Region, c.RoleArn = "cn-north-1", "arn:aws-cn:iam::123456789012:role/puller"
		}), nil, ""},
		{"govcloud", with(func(c *AwsEcr) {
			c.Region, c.RoleArn = "us-gov-west-1", "arn:aws-us-gov:iam::123456789012:role/puller"
		}), nil, ""},
		{"iso-b", with(func(c *AwsEcr) {
			c.Region, c.RoleArn = "us-isob-east-1", "arn:aws-iso-b:iam::123456789012:role/puller"
		}), nil, ""},
		{"ap-southeast-5", with(func(c *AwsEcr) { c.Region = "ap-southeast-5" }), nil, ""},
		{"eusc", with(func(c *AwsEcr) {
			c.Region, c.RoleArn = "eusc-de-east-1", "arn:aws-eusc:iam::123456789012:role/puller"
		}), nil, ""},
		{"iso", with(func(c *AwsEcr) {
			c.Region, c.RoleArn = "us-iso-east-1", "arn:aws-iso:iam::123456789012:role/puller"
		}), nil, ""},
		{"gov partition mismatch", with(func(c *AwsEcr) {
			c.Region, c.RoleArn = "us-gov-west-1", fakeRoleArn
		}), ErrInvalid, "roleArn"},
		{"empty key id", with(func(c *AwsEcr) { c.AccessKeyID = "" }), ErrMissing, "accessKeyId"},
		{"user id not key", with(func(c *AwsEcr) { c.AccessKeyID = "AIDAIOSFODNN7EXAMPLE" }), ErrInvalid, "accessKeyId"},
		{"lowercase key id", with(func(c *AwsEcr) { c.AccessKeyID = "akiaiosfodnn7example" }), ErrInvalid, "accessKeyId"},
		{"short key id", with(func(c *AwsEcr) { c.AccessKeyID = "AKIAIOSFODNN7EXAMPL" }), ErrInvalid, "accessKeyId"},
		{"non-base32 key id", with(func(c *AwsEcr) { c.AccessKeyID = "AKIA0000000000000000" }), ErrInvalid, "accessKeyId"},
		{"long key id", with(func(c *AwsEcr) { c.AccessKeyID = fakeKeyID + "A" }), ErrTooLarge, "accessKeyId"},
		{"empty secret", with(func(c *AwsEcr) { c.SecretAccessKey = Secret{} }), ErrMissing, "secretAccessKey"},
		{"short secret", with(func(c *AwsEcr) { c.SecretAccessKey = NewSecret(fakeSecretKey[1:]) }), ErrInvalid, "secretAccessKey"},
		{"secret bad char", with(func(c *AwsEcr) { c.SecretAccessKey = NewSecret("wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY") }), ErrInvalid, "secretAccessKey"},
		{"temporary without token", with(func(c *AwsEcr) { c.AccessKeyID = fakeTempKeyID }), ErrMissing, "sessionToken"},
		{"long-term with token", with(func(c *AwsEcr) { c.SessionToken = NewSecret(fakeSessionToken) }), ErrInvalid, "sessionToken"},
		{"token not base64", temp(func(c *AwsEcr) { c.SessionToken = NewSecret("not base64!") }), ErrInvalid, "sessionToken"},
		{"token too long", temp(func(c *AwsEcr) { c.SessionToken = NewSecret(strings.Repeat("A", MaxSessionTokenLen+1)) }), ErrTooLarge, "sessionToken"},
		{"empty region", with(func(c *AwsEcr) { c.Region = "" }), ErrMissing, "region"},
		{"upper region", with(func(c *AwsEcr) { c.Region = "US-EAST-1" }), ErrInvalid, "region"},
		{"region no number", with(func(c *AwsEcr) { c.Region = "us-east" }), ErrInvalid, "region"},
		{"region as host", with(func(c *AwsEcr) { c.Region = "us-east-1.amazonaws.com" }), ErrInvalid, "region"},
		{"region newline", with(func(c *AwsEcr) { c.Region = "us-east-1\n" }), ErrInvalid, "region"},
		{"role short account", with(func(c *AwsEcr) { c.RoleArn = "arn:aws:iam::12345:role/x" }), ErrInvalid, "roleArn"},
		{"user arn", with(func(c *AwsEcr) { c.RoleArn = "arn:aws:iam::123456789012:user/bob" }), ErrInvalid, "roleArn"},
		{"role name too long", with(func(c *AwsEcr) { c.RoleArn = "arn:aws:iam::123456789012:role/" + strings.Repeat("r", 65) }), ErrInvalid, "roleArn"},
		{"partition mismatch", with(func(c *AwsEcr) { c.RoleArn = "arn:aws-cn:iam::123456789012:role/x" }), ErrInvalid, "roleArn"},
		{"external id short", with(func(c *AwsEcr) { c.RoleArn, c.ExternalID = fakeRoleArn, NewSecret("x") }), ErrInvalid, "externalId"},
		{"external id long", with(func(c *AwsEcr) { c.RoleArn, c.ExternalID = fakeRoleArn, NewSecret(strings.Repeat("x", 1225)) }), ErrInvalid, "externalId"},
		{"external id space", with(func(c *AwsEcr) { c.RoleArn, c.ExternalID = fakeRoleArn, NewSecret("org 42") }), ErrInvalid, "externalId"},
		{"external id without role", with(func(c *AwsEcr) { c.ExternalID = NewSecret("org-42") }), ErrInvalid, "externalId"},
	})
}
