//go:build !unix

package main

import "os"

// ttyColumns returns 0: only COLUMNS gives the width here.
func ttyColumns(*os.File) int { return 0 }
