package ecr

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/credvault/credvault/credentials"
)

// TestRegistryResultRedactsCode: the registry's answer to the
// GetAuthorizationToken password (ECR and ECR Public, both through
// registryResult) may echo it as the error code; ProviderCode must not
// carry it, as Message does not.
func TestRegistryResultRedactsCode(t *testing.T) {
	for _, password := range []string{"CANARY-ecr-password-short", "CANARY-ecr-password-" + strings.Repeat("x", 2000)} {
		body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": password, "message": "no"}}})
		r := registryResult(401, body, "https://"+regHost+"/v2/", regHost, password)
		if strings.Contains(r.ProviderCode, "CANARY-ecr") || strings.Contains(r.Message, "CANARY-ecr") {
			t.Errorf("result carries the ECR password: code %q message %q", r.ProviderCode, r.Message)
		}
	}
}

// TestAWSFailureClipsCode: the AWS error code comes from the response (a
// header or the JSON __type), so an endpoint answering with a long code
// holding control characters must not put it whole into the Result.
func TestAWSFailureClipsCode(t *testing.T) {
	code := "AccessDenied\r\nX-Forged: 1" + strings.Repeat("A", 500)
	r := awsFailure(&smithy.GenericAPIError{Code: code, Message: "no"}, "https://api.ecr", credentials.AwsEcr{})
	for field, v := range map[string]string{"ProviderCode": r.ProviderCode, "Message": r.Message} {
		if strings.ContainsAny(v, "\r\n") || strings.Contains(v, strings.Repeat("A", 100)) {
			t.Errorf("%s carries the raw code: %q", field, v)
		}
	}
}
