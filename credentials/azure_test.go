package credentials

import (
	"strings"
	"testing"
)

func TestValidateAzureAcr(t *testing.T) {
	t.Parallel()
	az := func(tenant, client, secret string) Credential {
		return AzureAcr{TenantID: tenant, ClientID: client, ClientSecret: NewSecret(secret)}
	}
	runValidate(t, []validateCase{
		{"guid tenant", az(fakeTenant, fakeClient, "s"), nil, ""},
		{"upper guid", az(strings.ToUpper(fakeTenant), strings.ToUpper(fakeClient), "s"), nil, ""},
		{"onmicrosoft domain", az("contoso.onmicrosoft.com", fakeClient, "s"), nil, ""},
		{"custom domain", az("contoso.com", fakeClient, "s"), nil, ""},
		{"max secret", az(fakeTenant, fakeClient, strings.Repeat("s", MaxClientSecretLen)), nil, ""},
		{"empty tenant", az("", fakeClient, "s"), ErrMissing, "tenantId"},
		{"common tenant", az("common", fakeClient, "s"), ErrInvalid, "tenantId"},
		{"nil guid tenant", az(nilGUID, fakeClient, "s"), ErrInvalid, "tenantId"},
		{"url tenant", az("https://login.microsoftonline.com/contoso.com", fakeClient, "s"), ErrInvalid, "tenantId"},
		{"bad label", az("-contoso.com", fakeClient, "s"), ErrInvalid, "tenantId"},
		{"braced guid client", az(fakeTenant, "{"+fakeClient+"}", "s"), ErrTooLarge, "clientId"},
		{"short guid client", az(fakeTenant, fakeClient[1:], "s"), ErrInvalid, "clientId"},
		{"domain client", az(fakeTenant, "contoso.com", "s"), ErrInvalid, "clientId"},
		{"nil guid client", az(fakeTenant, nilGUID, "s"), ErrInvalid, "clientId"},
		{"empty secret", az(fakeTenant, fakeClient, ""), ErrMissing, "clientSecret"},
		{"long secret", az(fakeTenant, fakeClient, strings.Repeat("s", MaxClientSecretLen+1)), ErrTooLarge, "clientSecret"},
		{"newline secret", az(fakeTenant, fakeClient, "s\n"), ErrInvalid, "clientSecret"},
	})
}
