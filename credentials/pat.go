package credentials

import "strings"

// Token types reported by [UsernamePat.TokenType].
const (
	TokenTypeGitHubClassic     = "github-classic-pat"      // ghp_
	TokenTypeGitHubFineGrained = "github-fine-grained-pat" // github_pat_
	TokenTypeDockerHub         = "dockerhub-pat"           // dckr_pat_
	TokenTypeGitLabPAT         = "gitlab-pat"              // glpat-
	TokenTypeGitLabDeploy      = "gitlab-deploy-token"     // gldt-
)

// patPrefixes maps documented token prefixes to their type. Prefixes are
// public, fixed strings: matching them reveals nothing of the token.
var patPrefixes = []struct{ prefix, kind string }{
	{"github_pat_", TokenTypeGitHubFineGrained},
	{"ghp_", TokenTypeGitHubClassic},
	{"dckr_pat_", TokenTypeDockerHub},
	{"glpat-", TokenTypeGitLabPAT},
	{"gldt-", TokenTypeGitLabDeploy},
}

// TokenType names the token's issuer and type from its documented prefix
// (one of the TokenType constants), or returns "" if the prefix is not
// recognised. It returns only those fixed names, never part of the token,
// so it is safe to show in a redacted view.
func (p UsernamePat) TokenType() string {
	t := p.Pat.Reveal()
	for _, pp := range patPrefixes {
		if strings.HasPrefix(t, pp.prefix) {
			return pp.kind
		}
	}
	return ""
}
