package ecr

import (
	"errors"
	"regexp"
	"strings"
)

// registryHost is a parsed ECR registry host name.
type registryHost struct {
	Account string
	Region  string
	FIPS    bool // dkr.ecr-fips
	China   bool // .amazonaws.com.cn
	// DualStack: the <account>.dkr-ecr.<region>.on.aws form, kept so the
	// check reaches the host the target names (IPv6-only networks).
	DualStack bool
}

// errNotECRHost: a host that is not <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn].
var errNotECRHost = errors.New("not an ECR registry host")

var hostRE = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(-fips)?\.([a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2})\.amazonaws\.com(\.cn)?$`)

// parseHost parses an ECR registry host (lower-cased, no port). The
// dual-stack <account>.dkr-ecr.<region>.on.aws form is accepted too.
func parseHost(host string) (registryHost, error) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if m := hostRE.FindStringSubmatch(host); m != nil {
		return registryHost{Account: m[1], FIPS: m[2] != "", Region: m[3], China: m[4] != ""}, nil
	}
	if m := dualStackRE.FindStringSubmatch(host); m != nil {
		return registryHost{Account: m[1], Region: m[2], China: strings.HasPrefix(m[2], "cn-"), DualStack: true}, nil
	}
	return registryHost{}, errNotECRHost
}

var dualStackRE = regexp.MustCompile(`^([0-9]{12})\.dkr-ecr\.([a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2})\.on\.aws$`)

// String is the canonical host name.
func (h registryHost) String() string {
	if h.DualStack {
		return h.Account + ".dkr-ecr." + h.Region + ".on.aws"
	}
	s := h.Account + ".dkr.ecr"
	if h.FIPS {
		s += "-fips"
	}
	s += "." + h.Region + ".amazonaws.com"
	if h.China {
		s += ".cn"
	}
	return s
}

// apiOrigin is the ECR API origin the SDK uses for the host's region and
// variant, the key under which providers.Options.Endpoints may rewrite it.
func (h registryHost) apiOrigin() string {
	return apiOrigin(h.Region, h.FIPS)
}

func apiOrigin(region string, fips bool) string {
	suffix := ".amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix += ".cn"
	}
	if fips {
		return "https://ecr-fips." + region + suffix
	}
	return "https://api.ecr." + region + suffix
}

func stsOrigin(region string) string {
	suffix := ".amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix += ".cn"
	}
	return "https://sts." + region + suffix
}

var regionRE = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)
