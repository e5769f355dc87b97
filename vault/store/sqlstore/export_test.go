package sqlstore

// PinVersions makes s create every record at version 1, so batch tests can
// state exact versions; the conformance suite runs with real versions.
func PinVersions(s *Store) { s.newVersion = func() int64 { return 1 } }
