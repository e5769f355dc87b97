package credentials

import (
	"strings"
	"testing"
)

func TestTokenType(t *testing.T) {
	t.Parallel()
	tests := []struct{ token, want string }{
		{"ghp_EXAMPLE0000000000000000000000000000", TokenTypeGitHubClassic},
		{"github_pat_11EXAMPLE_000000", TokenTypeGitHubFineGrained},
		{"dckr_pat_EXAMPLE-0000", TokenTypeDockerHub},
		{"glpat-EXAMPLE00000000000", TokenTypeGitLabPAT},
		{"gldt-EXAMPLE00000000000", TokenTypeGitLabDeploy},
		{"GHP_EXAMPLE", ""},
		{"ghs_EXAMPLE", ""},
		{"some-token", ""},
		{"", ""},
	}
	for _, tt := range tests {
		p := UsernamePat{Username: "u", Pat: NewSecret(tt.token)}
		if got := p.TokenType(); got != tt.want {
			t.Errorf("TokenType(%q) = %q, want %q", tt.token, got, tt.want)
		}
		if tt.token != "" && len(tt.token) > 6 && strings.Contains(p.TokenType(), tt.token[len(tt.token)-6:]) {
			t.Errorf("TokenType reveals part of the token")
		}
	}
}
