package credentials

// A View is the redacted summary of a credential that a GET response may
// return: the kind and non-secret identifiers only. It has no field that
// can hold a secret, so it is safe to log and marshal as is.
type View struct {
	Kind        Kind   `json:"kind"`
	Username    string `json:"username,omitempty"`    // UsernamePassword, UsernamePat, JfrogIdentityToken
	TokenType   string `json:"tokenType,omitempty"`   // UsernamePat: a TokenType constant or ""
	AccessKeyID string `json:"accessKeyId,omitempty"` // AwsEcr
	Region      string `json:"region,omitempty"`      // AwsEcr
	RoleArn     string `json:"roleArn,omitempty"`     // AwsEcr
	TenantID    string `json:"tenantId,omitempty"`    // AzureAcr
	ClientID    string `json:"clientId,omitempty"`    // AzureAcr
	RobotName   string `json:"robotName,omitempty"`   // HarborRobot
	ClientEmail string `json:"clientEmail,omitempty"` // GoogleGar: client_email
	ProjectID   string `json:"projectId,omitempty"`   // GoogleGar: project_id
}

// Describe returns c's redacted view. Secrets (passwords, tokens, the
// secret access key, session token and external ID, the client secret,
// the robot secret, the whole service-account key including private_key
// and private_key_id) never appear.
//
// A credential that does not validate shows its kind only: its fields cannot
// be trusted to hold what their names claim (a secret pasted into a
// username, a key file with misplaced fields). Describe(nil) returns the
// zero View. [DescribeValid] also says why.
func Describe(c Credential) View {
	v, _ := DescribeValid(c)
	return v
}

// DescribeValid is [Describe] that also returns the validation error: it
// validates c once and returns its view and nil, or its kind alone and the
// *[FieldError]. nil, a nil pointer or a type of another package yields
// the zero View and [ErrUnknownKind]. A GoogleGar key is parsed once for
// both the check and the view.
func DescribeValid(c Credential) (View, error) {
	c, ok := deref(c)
	if !ok {
		return View{}, errForeign()
	}
	return describeValid(c)
}

// describeValid validates c (a value, not a pointer) and returns its view,
// or its kind alone and the validation error. A GoogleGar key is parsed
// once for both.
func describeValid(c Credential) (View, error) {
	if g, ok := c.(GoogleGar); ok {
		key, err := g.parseKey()
		if err != nil {
			return View{Kind: g.Kind()}, err
		}
		return View{Kind: g.Kind(), ClientEmail: key[garClientEmail], ProjectID: key[garProjectID]}, nil
	}
	if err := c.Validate(); err != nil {
		return View{Kind: c.Kind()}, err
	}
	switch v := c.(type) {
	case UsernamePassword:
		return View{Kind: v.Kind(), Username: v.Username}, nil
	case UsernamePat:
		return View{Kind: v.Kind(), Username: v.Username, TokenType: v.TokenType()}, nil
	case AwsEcr:
		return View{Kind: v.Kind(), AccessKeyID: v.AccessKeyID, Region: v.Region, RoleArn: v.RoleArn}, nil
	case AzureAcr:
		return View{Kind: v.Kind(), TenantID: v.TenantID, ClientID: v.ClientID}, nil
	case HarborRobot:
		return View{Kind: v.Kind(), RobotName: v.RobotName}, nil
	case JfrogIdentityToken:
		return View{Kind: v.Kind(), Username: v.Username}, nil
	}
	return View{}, errForeign() // unreachable: deref admits the seven kinds only
}

// errForeign refuses what is not one of the seven kinds.
func errForeign() error {
	return &FieldError{Reason: "not a credential of this package", Err: ErrUnknownKind}
}
