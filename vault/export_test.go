package vault

import "time"

// SetCacheClock replaces the DEK cache's clock, for TTL tests.
func SetCacheClock(v *Vault, now func() time.Time) { v.cache.now = now }
