package credentials

import (
	"regexp"
	"strings"
)

var (
	guidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// A DNS name of at least two labels whose last label starts with a
	// letter, e.g. contoso.onmicrosoft.com or contoso.com.
	domainRe = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
)

const (
	nilGUID      = "00000000-0000-0000-0000-000000000000"
	maxDomainLen = 253
)

// Validate checks an Azure AD service principal.
//
// tenantId is a directory GUID or one of the tenant's verified domain names
// (contoso.onmicrosoft.com, contoso.com): Azure AD accepts either in the
// token URL. The multi-tenant aliases "common", "organizations" and
// "consumers" are refused: a client-credentials grant needs one tenant.
// clientId is the application (client) GUID. Neither may be the nil GUID
// (the ACR refresh-token username, not a principal). clientSecret is
// required and at most [MaxClientSecretLen] bytes.
func (c AzureAcr) Validate() error {
	if err := validateTenant(c.TenantID); err != nil {
		return err
	}
	if err := validateGUID(fClientID, c.ClientID); err != nil {
		return err
	}
	return checkSecret(fClientSecret, c.ClientSecret, MaxClientSecretLen)
}

func validateTenant(v string) error {
	if err := checkIdentifier(fTenantID, v, maxDomainLen); err != nil {
		return err
	}
	if guidRe.MatchString(v) {
		return validateGUID(fTenantID, v)
	}
	if !domainRe.MatchString(v) {
		return fieldErr(fTenantID, ErrInvalid, "not a tenant GUID or verified domain name")
	}
	return nil
}

func validateGUID(field, v string) error {
	if err := checkIdentifier(field, v, len(nilGUID)); err != nil {
		return err
	}
	if !guidRe.MatchString(v) {
		return fieldErr(field, ErrInvalid, "not a GUID")
	}
	if strings.EqualFold(v, nilGUID) {
		return fieldErr(field, ErrInvalid, "must not be the nil GUID")
	}
	return nil
}
