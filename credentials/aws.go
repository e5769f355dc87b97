package credentials

import (
	"regexp"
	"strings"
)

var (
	// Only AKIA (long-term IAM user key) and ASIA (temporary STS key) IDs
	// sign requests with a secret access key. Other documented unique-ID
	// prefixes (ABIA service bearer tokens, ACCA context credentials, AIDA
	// users, AROA roles, ...) are not access key IDs for SigV4 and are refused.
	awsKeyIDRe = regexp.MustCompile(`^(?:AKIA|ASIA)[A-Z2-7]{16}$`)
	// Region codes: cn-north-1, us-gov-west-1, us-iso-east-1, us-isob-east-1,
	// eu-isoe-west-1, and the European Sovereign Cloud's eusc-de-east-1.
	awsRegionRe = regexp.MustCompile(`^([a-z]{2}|eusc-[a-z]{2})(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$`)
	// IAM role ARNs: partition, 12-digit account, optional path (printable
	// ASCII between slashes) and role name ([\w+=,.@-]{1,64}).
	awsRoleArnRe = regexp.MustCompile(`^arn:(aws[a-z-]*):iam::[0-9]{12}:role/(?:[!-~]*/)?[A-Za-z0-9+=,.@_-]{1,64}$`)
)

const (
	awsSecretKeyLen = 40
	awsMaxRoleArn   = 2048
	// STS AssumeRole ExternalId: 2-1224 characters of [\w+=,.@:/-].
	awsMinExternalID = 2
	awsMaxExternalID = 1224
)

// Validate checks an AWS access key against AWS's documented formats.
//
//   - accessKeyId matches ^(AKIA|ASIA)[A-Z2-7]{16}$ (see awsKeyIDRe for why
//     other prefixes are refused).
//   - secretAccessKey is 40 characters of [A-Za-z0-9+/].
//   - sessionToken is required with a temporary (ASIA) key, which cannot
//     sign without it, and refused with a long-term (AKIA) key, which AWS
//     would reject with it; it is base64 text of at most [MaxSessionTokenLen].
//   - region is a region code such as us-east-1, cn-north-1 or us-gov-west-1.
//   - roleArn, if set, is an IAM role ARN in the region's partition.
//   - externalId, if set, follows STS's 2-1224 [\w+=,.@:/-] rule and needs
//     a roleArn (it only means something to AssumeRole).
func (c AwsEcr) Validate() error {
	checks := []func() error{
		c.validateKeyID, c.validateSecretKey, c.validateSessionToken,
		c.validateRegion, c.validateRoleArn, c.validateExternalID,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c AwsEcr) validateKeyID() error {
	if err := checkIdentifier(fAccessKeyID, c.AccessKeyID, 20); err != nil {
		return err
	}
	if !awsKeyIDRe.MatchString(c.AccessKeyID) {
		return fieldErr(fAccessKeyID, ErrInvalid, "not an AWS access key ID (AKIA or ASIA followed by 16 base32 characters)")
	}
	return nil
}

func (c AwsEcr) validateSecretKey() error {
	if err := checkSecret(fSecretAccessKey, c.SecretAccessKey, MaxSecretLen); err != nil {
		return err
	}
	v := c.SecretAccessKey.Reveal()
	if len(v) != awsSecretKeyLen || !checkCharset(v, isBase64Char) {
		return fieldErr(fSecretAccessKey, ErrInvalid, "must be 40 characters of [A-Za-z0-9+/]")
	}
	return nil
}

func (c AwsEcr) validateSessionToken() error {
	temporary := strings.HasPrefix(c.AccessKeyID, "ASIA")
	switch {
	case c.SessionToken.IsZero() && temporary:
		return fieldErr(fSessionToken, ErrMissing, "required with a temporary (ASIA) access key")
	case c.SessionToken.IsZero():
		return nil
	case !temporary:
		return fieldErr(fSessionToken, ErrInvalid, "not used with a long-term (AKIA) access key")
	}
	if err := checkSecret(fSessionToken, c.SessionToken, MaxSessionTokenLen); err != nil {
		return err
	}
	if !checkCharset(c.SessionToken.Reveal(), func(b byte) bool { return isBase64Char(b) || b == '=' }) {
		return fieldErr(fSessionToken, ErrInvalid, "must be base64 text")
	}
	return nil
}

func (c AwsEcr) validateRegion() error {
	if err := checkIdentifier(fRegion, c.Region, 32); err != nil {
		return err
	}
	if !awsRegionRe.MatchString(c.Region) {
		return fieldErr(fRegion, ErrInvalid, "not an AWS region code such as us-east-1")
	}
	return nil
}

func (c AwsEcr) validateRoleArn() error {
	if c.RoleArn == "" {
		return nil
	}
	if err := checkIdentifier(fRoleArn, c.RoleArn, awsMaxRoleArn); err != nil {
		return err
	}
	m := awsRoleArnRe.FindStringSubmatch(c.RoleArn)
	if m == nil {
		return fieldErr(fRoleArn, ErrInvalid, "not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)")
	}
	if p := awsPartition(c.Region); p != "" && m[1] != p {
		return fieldErr(fRoleArn, ErrInvalid, "partition does not match the region's partition "+p)
	}
	return nil
}

func (c AwsEcr) validateExternalID() error {
	if c.ExternalID.IsZero() {
		return nil
	}
	v := c.ExternalID.Reveal()
	if n := len(v); n < awsMinExternalID || n > awsMaxExternalID || !checkCharset(v, isExternalIDChar) {
		return fieldErr(fExternalID, ErrInvalid, "must be 2-1224 characters of [A-Za-z0-9+=,.@:/_-]")
	}
	if c.RoleArn == "" {
		return fieldErr(fExternalID, ErrInvalid, "requires roleArn")
	}
	return nil
}

// awsPartition maps a region code to its ARN partition ("" if the region
// is malformed): cn-* is aws-cn, us-gov-* aws-us-gov, us-iso-* aws-iso,
// us-isob-* aws-iso-b, eusc-* aws-eusc, everything else aws.
func awsPartition(region string) string {
	m := awsRegionRe.FindStringSubmatch(region)
	switch {
	case m == nil:
		return ""
	case m[1] == "cn":
		return "aws-cn"
	case strings.HasPrefix(m[1], "eusc-"):
		return "aws-eusc"
	case m[2] == "-gov":
		return "aws-us-gov"
	case m[2] == "-iso":
		return "aws-iso"
	case m[2] != "":
		return "aws-iso-" + m[2][len("-iso"):]
	}
	return "aws"
}

func isBase64Char(c byte) bool { return isAlnum(c) || c == '+' || c == '/' }

func isExternalIDChar(c byte) bool { return isAlnum(c) || strings.IndexByte("+=,.@:/_-", c) >= 0 }
