package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/credvault/credvault/apikey"
	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
)

// registryView is a registry as GET returns it (seed 004): no credential
// and no sensor key, ever.
type registryView struct {
	ID         string             `json:"id"`
	Name       string             `json:"name"`
	Provider   providers.Provider `json:"provider"`
	URL        string             `json:"url"`
	ScanMethod string             `json:"scanMethod"`
	Scanning   scanning           `json:"scanning"`
	ImageCount int                `json:"imageCount"`
	Health     healthView         `json:"health"`
	CreatedAt  time.Time          `json:"createdAt"`
	UpdatedAt  time.Time          `json:"updatedAt"`
}

// createdView is POST's answer: the view, plus the one-time sensor key in
// sensor mode.
type createdView struct {
	registryView
	SensorAPIKey string `json:"sensorApiKey,omitempty"`
}

type scanning struct {
	Schedule   string   `json:"schedule"`
	Scanners   []string `json:"scanners"`
	TagInclude string   `json:"tagInclude,omitempty"`
	TagExclude string   `json:"tagExclude,omitempty"`
}

// createRequest is POST /api/registries's body: the vault's fields and
// the example's own.
type createRequest struct {
	vault.EntryJSON
	Name        string   `json:"name"`
	ScanMethod  string   `json:"scanMethod"`
	Scanners    []string `json:"scanners"`
	Schedule    string   `json:"schedule"`
	IncludeTags string   `json:"includeTags"`
	ExcludeTags string   `json:"excludeTags"`
}

// updateRequest is PUT's body: only what the seed lets a PUT change.
type updateRequest struct {
	Name     *string          `json:"name"`
	Scanning *scanningRequest `json:"scanning"`
}

type scanningRequest struct {
	Schedule   *string  `json:"schedule"`
	Scanners   []string `json:"scanners"`
	TagInclude *string  `json:"tagInclude"`
	TagExclude *string  `json:"tagExclude"`
}

var (
	schedules      = []string{"manual", "on_push", "daily", "weekly"}
	defaultScanner = []string{"trivy", "grype", "syft"}
	scannerRe      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	registryIDRe   = regexp.MustCompile(`^reg_[0-9a-f]{20}$`)
)

func (a *app) create(w http.ResponseWriter, r *http.Request, c caller) {
	var req createRequest
	if !decodeBody(w, r, &req) {
		return
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	m := meta{Org: c.org, ID: newRegistryID(), Name: req.Name, ScanMethod: req.ScanMethod,
		Schedule: req.Schedule, Scanners: req.Scanners, TagInclude: req.IncludeTags, TagExclude: req.ExcludeTags,
		CreatedAt: now, UpdatedAt: now}
	entry, err := req.Entry()
	if err == nil {
		err = m.fill()
	}
	if err != nil {
		writeFieldError(w, r.Context(), err)
		return
	}
	var sensorKey credentials.Secret
	if m.ScanMethod == "sensor" {
		var h apikey.Hash
		if sensorKey, h, err = apikey.New(keyPrefix); err != nil {
			serverError(w, r.Context(), "mint sensor key", err)
			return
		}
		m.SensorHash = h.String()
	}
	k := vault.Key{Org: c.org, Registry: m.ID}
	d, err := a.vault.Put(r.Context(), k, entry, vault.IfVersion(0))
	if err != nil {
		serverError(w, r.Context(), "seal", err)
		return
	}
	if err := a.meta.insert(r.Context(), m); err != nil {
		err = errors.Join(err, a.vault.Delete(context.WithoutCancel(r.Context()), k))
		serverError(w, r.Context(), "store registry", err)
		return
	}
	// The only place a sensor key leaves the server, once.
	writeJSON(w, http.StatusCreated, data{createdView{view(m, d, vault.Health{}), sensorKey.Reveal()}})
}

// fill checks m's API fields and applies the seed's defaults. Errors are
// *credentials.FieldError values naming the body's field.
func (m *meta) fill() error {
	if m.ScanMethod == "" {
		m.ScanMethod = "cloud"
	}
	if m.Schedule == "" {
		m.Schedule = "daily"
	}
	if m.Scanners == nil {
		m.Scanners = slices.Clone(defaultScanner)
	}
	switch {
	case m.Name == "" || len(m.Name) > 200 || !utf8.ValidString(m.Name):
		return invalid("name", "required, at most 200 bytes of UTF-8")
	case m.ScanMethod != "cloud" && m.ScanMethod != "sensor":
		return invalid("scanMethod", `want "cloud" or "sensor"`)
	}
	return m.checkScanning("schedule", "scanners", "includeTags", "excludeTags")
}

// checkScanning checks the scanning fields, named as the request names them.
func (m *meta) checkScanning(schedule, scanners, include, exclude string) error {
	switch {
	case !slices.Contains(schedules, m.Schedule):
		return invalid(schedule, `want "manual", "on_push", "daily" or "weekly"`)
	case len(m.Scanners) == 0 || len(m.Scanners) > 8:
		return invalid(scanners, "want 1 to 8 scanner names")
	case len(m.TagInclude) > 256 || !utf8.ValidString(m.TagInclude):
		return invalid(include, "at most 256 bytes of UTF-8")
	case len(m.TagExclude) > 256 || !utf8.ValidString(m.TagExclude):
		return invalid(exclude, "at most 256 bytes of UTF-8")
	}
	for _, s := range m.Scanners {
		if !scannerRe.MatchString(s) {
			return invalid(scanners, "a scanner name is lowercase letters, digits and '-'")
		}
	}
	return nil
}

func invalid(field, reason string) error {
	return &credentials.FieldError{Field: field, Reason: reason, Err: credentials.ErrInvalid}
}

// newRegistryID returns "reg_" and 20 random hex digits.
func newRegistryID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return "reg_" + hex.EncodeToString(b)
}

func (a *app) list(w http.ResponseWriter, r *http.Request, c caller) {
	ms, err := a.meta.list(r.Context(), c.org)
	if err != nil {
		serverError(w, r.Context(), "list", err)
		return
	}
	health, err := a.orgHealth(r.Context(), c.org)
	if err != nil {
		serverError(w, r.Context(), "health", err)
		return
	}
	views := []registryView{}
	for _, m := range ms {
		d, err := a.vault.Describe(r.Context(), vault.Key{Org: c.org, Registry: m.ID})
		switch {
		case errors.Is(err, vault.ErrNotFound): // deleted between the two reads
			continue
		case err != nil:
			serverError(w, r.Context(), "describe", err)
			return
		}
		views = append(views, view(m, d, health[m.ID]))
	}
	writeJSON(w, http.StatusOK, data{views})
}

func (a *app) get(w http.ResponseWriter, r *http.Request, c caller) {
	m, d, ok := a.find(w, r, c)
	if !ok {
		return
	}
	h, err := a.health(r.Context(), vault.Key{Org: c.org, Registry: m.ID})
	if err != nil {
		serverError(w, r.Context(), "health", err)
		return
	}
	writeJSON(w, http.StatusOK, data{view(m, d, h)})
}

// find loads the caller's registry named by the path. Another org's
// registry, a deleted one and a malformed ID are all 404.
func (a *app) find(w http.ResponseWriter, r *http.Request, c caller) (meta, vault.Description, bool) {
	id := r.PathValue("registryId")
	notFound := func() (meta, vault.Description, bool) {
		writeError(w, http.StatusNotFound, "registryId", "no such registry")
		return meta{}, vault.Description{}, false
	}
	if !registryIDRe.MatchString(id) {
		return notFound()
	}
	m, err := a.meta.get(r.Context(), c.org, id)
	if errors.Is(err, errNoRegistry) {
		return notFound()
	}
	var d vault.Description
	if err == nil {
		d, err = a.vault.Describe(r.Context(), vault.Key{Org: c.org, Registry: id})
		if errors.Is(err, vault.ErrNotFound) {
			return notFound()
		}
	}
	if err != nil {
		serverError(w, r.Context(), "find", err)
		return meta{}, vault.Description{}, false
	}
	return m, d, true
}

func (a *app) update(w http.ResponseWriter, r *http.Request, c caller) {
	m, d, ok := a.find(w, r, c)
	if !ok {
		return
	}
	var req updateRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if err := req.apply(&m); err != nil {
		writeFieldError(w, r.Context(), err)
		return
	}
	m.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	if err := a.meta.update(r.Context(), m); err != nil {
		serverError(w, r.Context(), "update", err)
		return
	}
	h, err := a.health(r.Context(), vault.Key{Org: c.org, Registry: m.ID})
	if err != nil {
		serverError(w, r.Context(), "health", err)
		return
	}
	writeJSON(w, http.StatusOK, data{view(m, d, h)})
}

// apply checks the request and applies it to m; m is unchanged on error.
func (u updateRequest) apply(m *meta) error {
	next := *m
	next.Scanners = slices.Clone(m.Scanners)
	if u.Name != nil {
		if next.Name = *u.Name; next.Name == "" || len(next.Name) > 200 || !utf8.ValidString(next.Name) {
			return invalid("name", "at most 200 bytes of UTF-8, not empty")
		}
	}
	if s := u.Scanning; s != nil {
		setIf(&next.Schedule, s.Schedule)
		setIf(&next.TagInclude, s.TagInclude)
		setIf(&next.TagExclude, s.TagExclude)
		if s.Scanners != nil {
			next.Scanners = s.Scanners
		}
	}
	if err := next.checkScanning("scanning.schedule", "scanning.scanners", "scanning.tagInclude", "scanning.tagExclude"); err != nil {
		return err
	}
	*m = next
	return nil
}

func setIf(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func (a *app) remove(w http.ResponseWriter, r *http.Request, c caller) {
	m, _, ok := a.find(w, r, c)
	if !ok {
		return
	}
	// The sealed credential goes first: a failure after it leaves an
	// orphan row without a credential, never a credential without a row.
	err := a.vault.Delete(r.Context(), vault.Key{Org: c.org, Registry: m.ID})
	if err == nil || errors.Is(err, vault.ErrNotFound) {
		err = a.meta.remove(r.Context(), c.org, m.ID)
	}
	if err != nil {
		serverError(w, r.Context(), "delete", err)
		return
	}
	writeJSON(w, http.StatusOK, data{map[string]any{"id": m.ID, "deleted": true}})
}

func (a *app) testConnection(w http.ResponseWriter, r *http.Request, _ caller) {
	var req vault.EntryJSON
	if !decodeBody(w, r, &req) {
		return
	}
	e, err := req.Entry()
	if err != nil {
		writeFieldError(w, r.Context(), err)
		return
	}
	res := providers.TestConnection(r.Context(), e.Target(), e.Credential, a.testOpts)
	writeJSON(w, http.StatusOK, data{res})
}

// sync tests the stored credentials now and records the result as the
// registry's health. (HarborGuard's sync also lists the registry's
// images; this example has no image catalogue, so imageCount stays 0.)
func (a *app) sync(w http.ResponseWriter, r *http.Request, c caller) {
	m, _, ok := a.find(w, r, c)
	if !ok {
		return
	}
	res, err := a.testStored(r.Context(), vault.Key{Org: c.org, Registry: m.ID})
	if err != nil {
		serverError(w, r.Context(), "record health", err)
		return
	}
	writeJSON(w, http.StatusAccepted, data{res})
}

// sensorStatus reports a sensor-mode registry's sensor. This example has
// no sensor upload route, so a sensor is never seen: connected is false.
func (a *app) sensorStatus(w http.ResponseWriter, r *http.Request, c caller) {
	m, _, ok := a.find(w, r, c)
	if !ok {
		return
	}
	if m.ScanMethod != "sensor" {
		writeError(w, http.StatusConflict, "scanMethod", "the registry is scanned in cloud mode; it has no sensor")
		return
	}
	writeJSON(w, http.StatusOK, data{map[string]any{
		"registryId": m.ID, "scanMethod": m.ScanMethod, "sensorKeyIssued": m.SensorHash != "",
		"connected": false, "lastSeenAt": nil,
	}})
}

// view assembles the GET view from the example's row, the vault's
// redacted description and the stored health.
func view(m meta, d vault.Description, h vault.Health) registryView {
	updated := m.UpdatedAt
	if d.UpdatedAt.After(updated) {
		updated = d.UpdatedAt
	}
	url := d.URL
	if info, ok := providers.Lookup(d.Provider); ok && url == "" {
		url = info.DefaultURL
	}
	return registryView{
		ID: m.ID, Name: m.Name, Provider: d.Provider, URL: url, ScanMethod: m.ScanMethod,
		Scanning:  scanning{Schedule: m.Schedule, Scanners: m.Scanners, TagInclude: m.TagInclude, TagExclude: m.TagExclude},
		Health:    newHealthView(h),
		CreatedAt: m.CreatedAt, UpdatedAt: updated,
	}
}
