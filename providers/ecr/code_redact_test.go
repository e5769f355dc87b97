package ecr

import (
	"encoding/json"
	"strings"
	"testing"
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
