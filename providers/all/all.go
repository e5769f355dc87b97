// Package all links every connection-test adapter, the cloud ones
// included, for programs that want them all:
//
//	import _ "github.com/credvault/credvault/providers/all"
//
// Importing it pulls aws-sdk-go-v2 (ECR, STS), azidentity and
// golang.org/x/oauth2/google into the build. A program that checks only
// some clouds imports providers/ecr, providers/acr or providers/gar
// instead.
package all

import (
	// Each registers its provider's checker with package providers.
	_ "github.com/credvault/credvault/providers/acr"
	_ "github.com/credvault/credvault/providers/ecr"
	_ "github.com/credvault/credvault/providers/gar"
)
