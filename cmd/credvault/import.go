package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/vault"
)

// Import limits: a line holds one registry, its credential at most
// credentials.MaxInputSize; the whole input at most maxImportInput.
const (
	maxImportLine  = credentials.MaxInputSize + 4096
	maxImportInput = 64 << 20
)

// importLine is one NDJSON line: a registry in the HarborGuard POST
// /api/registries shape. The fields that are the service's, not
// credvault's, are accepted and ignored; any other field is refused.
type importLine struct {
	Name string `json:"name"`
	vault.EntryJSON

	ScanMethod  json.RawMessage `json:"scanMethod"`
	Scanners    json.RawMessage `json:"scanners"`
	Schedule    json.RawMessage `json:"schedule"`
	IncludeTags json.RawMessage `json:"includeTags"`
	ExcludeTags json.RawMessage `json:"excludeTags"`
}

// parseImportLine decodes one line into the registry name and entry it
// describes, validated as put validates them (vault.EntryJSON, the one
// decoder of the POST body's vault fields). Errors name the field, never
// a value.
func parseImportLine(line []byte) (string, vault.Entry, error) {
	var l importLine
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	err := dec.Decode(&l)
	defer clear(l.Credentials)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		return "", vault.Entry{}, jsonFieldError(err)
	}
	if l.Name == "" {
		return "", vault.Entry{}, errors.New(`field "name": required`)
	}
	e, err := l.Entry()
	if err != nil {
		return "", vault.Entry{}, err
	}
	return l.Name, e, nil
}

// jsonFieldError restates a decoding error without the input's text:
// the field and the expected type, or the byte offset of bad syntax.
func jsonFieldError(err error) error {
	var typ *json.UnmarshalTypeError
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &typ):
		return fmt.Errorf("field %q: want a JSON %s", typ.Field, typ.Type)
	case errors.As(err, &syn):
		return fmt.Errorf("malformed JSON at byte %d", syn.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("incomplete JSON")
	}
	return errors.New("malformed JSON")
}

// importRecord is a validated line, sealed.
type importRecord struct {
	line int
	rec  vault.Record
}

// importRegistries reads NDJSON registries for -org from stdin or -file
// and stores them in two passes: it parses, validates and seals every
// line first, and writes only when every line is good and no name is
// taken, so bad input writes nothing. It creates records and never
// replaces one: a name already stored is a line error. Should a write
// fail midway (a store error, a record created meanwhile by someone
// else), it reports the registries written and those not.
func (c *cli) importRegistries(ctx context.Context, args []string) error {
	fs := c.flagSet("import")
	org := fs.String("org", "", "org to import into (required)")
	file := fs.String("file", "", "read the NDJSON from this file instead of stdin")
	dryRun := fs.Bool("dry-run", false, "validate every line, write nothing")
	if _, err := parse(fs, args, 0, "no arguments besides flags"); err != nil {
		return err
	}
	if *org == "" {
		return fmt.Errorf("%w: import needs -org", errUsage)
	}
	input, err := c.readImport(*file)
	defer clear(input)
	if err != nil {
		return err
	}
	v, st, _, err := c.openVault(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	recs, err := c.sealImport(ctx, v, st, *org, input)
	if ctx.Err() != nil {
		return fmt.Errorf("import: %w before writing: nothing written", errInterrupted)
	}
	if err != nil {
		return err
	}
	if *dryRun {
		_, err = fmt.Fprintf(c.stdout, "import (dry run, nothing written): %d registries valid for %s\n", len(recs), *org)
		return err
	}
	return c.writeImport(ctx, st, recs)
}

// readImport reads the whole input, capped.
func (c *cli) readImport(file string) ([]byte, error) {
	r := c.stdin
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("reading the import file: %w", err)
		}
		defer f.Close()
		r = f
	}
	data, err := readAllCapped(r, maxImportInput)
	if err != nil {
		return nil, fmt.Errorf("reading the import: %w", err)
	}
	return data, nil
}

// sealImport parses and seals every line of input for org, refusing
// names repeated in the input or already stored. It reports every bad
// line on stderr and then fails (exit 5) with nothing written.
func (c *cli) sealImport(ctx context.Context, v *vault.Vault, st vault.Store, org string, input []byte) ([]importRecord, error) {
	var recs []importRecord
	seen := map[string]int{}
	bad := 0
	for i, line := range bytes.Split(input, []byte("\n")) {
		n := i + 1
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		rec, err := c.sealImportLine(ctx, v, st, org, line, seen, n)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			bad++
			fmt.Fprintf(c.stderr, "credvault: import: line %d: %v\n", n, err)
			continue
		}
		seen[rec.Registry] = n
		recs = append(recs, importRecord{line: n, rec: rec})
	}
	switch {
	case bad > 0:
		return nil, fmt.Errorf("import: %w: %d bad lines; nothing written", errInvalid, bad)
	case len(recs) == 0:
		return nil, fmt.Errorf("import: %w: no registries in the input", errInvalid)
	}
	return recs, nil
}

// sealImportLine parses, checks and seals line n.
func (c *cli) sealImportLine(ctx context.Context, v *vault.Vault, st vault.Store, org string, line []byte,
	seen map[string]int, n int) (vault.Record, error) {
	if len(line) > maxImportLine {
		return vault.Record{}, fmt.Errorf("longer than %d bytes", maxImportLine)
	}
	name, e, err := parseImportLine(line)
	if err != nil {
		return vault.Record{}, err
	}
	k := vault.Key{Org: org, Registry: name}
	if err := k.Validate(); err != nil {
		return vault.Record{}, fmt.Errorf(`field "name": %w`, err)
	}
	if first, ok := seen[name]; ok {
		return vault.Record{}, fmt.Errorf(`field "name": %q repeats line %d`, name, first)
	}
	switch _, err := st.Get(ctx, k); {
	case err == nil:
		return vault.Record{}, fmt.Errorf(`field "name": %s is stored already (import never replaces a record)`, k)
	case !errors.Is(err, vault.ErrNotFound):
		return vault.Record{}, err
	}
	return v.Seal(ctx, k, e)
}

// errNoOutcome is a record's outcome when the store reported none.
var errNoOutcome = errors.New("the store reported no outcome")

// importWriteChunk is how many records each PutBatch of an import holds.
const importWriteChunk = 500

// writeImport creates recs, every one by compare-and-swap on absence, and
// reports the outcome; on a failure it lists what was written and what
// was not, so the rest can be imported again.
func (c *cli) writeImport(ctx context.Context, st vault.BatchPutter, recs []importRecord) error {
	var written, failed []string
	for start := 0; start < len(recs); start += importWriteChunk {
		if ctx.Err() != nil { // interrupted: the rest is not written
			for _, r := range recs[start:] {
				failed = append(failed, r.rec.Registry)
			}
			break
		}
		chunk := recs[start:min(start+importWriteChunk, len(recs))]
		batch := make([]vault.Record, len(chunk))
		for i, r := range chunk {
			batch[i] = r.rec
		}
		_, errs := st.PutBatch(ctx, batch, make([]int64, len(batch)))
		for i, r := range chunk {
			err := errNoOutcome
			if i < len(errs) {
				err = errs[i]
			}
			if err != nil {
				failed = append(failed, r.rec.Registry)
				fmt.Fprintf(c.stderr, "credvault: import: line %d: %s not written: %v\n", r.line, r.rec.Key, err)
				continue
			}
			written = append(written, r.rec.Registry)
		}
	}
	fmt.Fprintf(c.stdout, "import: %d registries written, %d not written\n", len(written), len(failed))
	if len(failed) == 0 {
		return nil
	}
	fmt.Fprintf(c.stderr, "credvault: import: written: %s\n", strings.Join(written, ", "))
	fmt.Fprintf(c.stderr, "credvault: import: not written: %s (import their lines again)\n", strings.Join(failed, ", "))
	if ctx.Err() != nil {
		return fmt.Errorf("import: %w: %d not written", errInterrupted, len(failed))
	}
	return fmt.Errorf("import: %w: %d not written", errPartial, len(failed))
}
