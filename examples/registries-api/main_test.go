package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credvault/credvault/internal/regemu"
)

// Canary secrets: every response body and the data files are swept for
// them.
const (
	canaryPAT      = "ghp_CANARYpatCANARYpatCANARYpat000000"
	canaryRobot    = "CANARYrobotSecret0000"
	canaryAWS      = "CANARYawsSecretAccessKey0000000000000000"
	canaryPassword = "CANARY-registry-password-0000"
	canaryWrong    = "CANARY-wrong-password-0000"
)

var canaries = []string{canaryPAT, canaryRobot, canaryAWS, canaryPassword, canaryWrong}

// lockedBuffer is a bytes.Buffer safe for the server goroutine to write
// while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a running example and a client that records every response.
type server struct {
	t      *testing.T
	base   string
	output *lockedBuffer
	bodies *[]string // every response body seen, for the canary sweep
}

// startServer runs the example on loopback with dir as its data
// directory until the test ends.
func startServer(t *testing.T, dir string, bodies *[]string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-data", dir, "-allow-loopback"}, out,
			func(addr string) { addrs <- addr })
	}()
	var addr string
	select {
	case addr = <-addrs:
	case err := <-done:
		cancel()
		t.Fatalf("server stopped: %v", err)
	}
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	}
	t.Cleanup(stop)
	return &server{t: t, base: "http://" + addr, output: out, bodies: bodies}
}

// adminKey returns the key the first start printed.
func (s *server) adminKey() string {
	s.t.Helper()
	lines := strings.Split(strings.TrimSpace(s.output.String()), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "admin key: hg_ak_") {
		s.t.Fatalf("first start printed %q, want one admin key line", s.output.String())
	}
	return strings.TrimPrefix(lines[0], "admin key: ")
}

// call sends a request with key in X-API-Key and returns the status and
// the decoded JSON body.
func (s *server) call(method, path, key, body string) (int, map[string]any) {
	s.t.Helper()
	return s.callWith(method, path, body, http.Header{"X-Api-Key": {key}})
}

func (s *server) callWith(method, path, body string, h http.Header) (int, map[string]any) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	*s.bodies = append(*s.bodies, string(raw))
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		s.t.Fatalf("%s %s: status %d, body is not a JSON object: %q", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// mint issues a key with the mint-key subcommand.
func mint(t *testing.T, dir, org, role string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(t.Context(), []string{"mint-key", "-data", dir, "-org", org, "-role", role}, &out, nil); err != nil {
		t.Fatal(err)
	}
	key, ok := strings.CutPrefix(strings.TrimSpace(out.String()), role+" key: ")
	if !ok {
		t.Fatalf("mint-key printed %q", out.String())
	}
	return key
}

// sweepBodies fails the test if a response body holds a canary secret
// or one of the extra strings.
func sweepBodies(t *testing.T, bodies []string, extra ...string) {
	t.Helper()
	for _, secret := range append(slicesClone(canaries), extra...) {
		for _, b := range bodies {
			if strings.Contains(b, secret) {
				t.Errorf("a response body holds a secret: %.120s", b)
			}
		}
	}
}

// sweepFiles fails the test if a file under dir holds a canary secret or
// one of the extra strings in plaintext.
func sweepFiles(t *testing.T, dir string, extra ...string) {
	t.Helper()
	for _, secret := range append(slicesClone(canaries), extra...) {
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if data, _ := os.ReadFile(path); bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds a secret in plaintext", filepath.Base(path))
			}
			return nil
		})
	}
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

func errField(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	f, _ := e["field"].(string)
	return f
}

func dataOf(body map[string]any) map[string]any {
	d, _ := body["data"].(map[string]any)
	return d
}

// TestEndToEnd drives every route as a client would, over real HTTP.
func TestEndToEnd(t *testing.T) {
	reg, err := regemu.Start(regemu.Config{Flavor: regemu.Distribution, Username: "ci", Password: canaryPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	dir := t.TempDir()
	var bodies []string
	s := startServer(t, dir, &bodies)
	admin := s.adminKey()
	viewer, developer := mint(t, dir, "acme", "viewer"), mint(t, dir, "acme", "developer")
	globex := mint(t, dir, "globex", "admin")

	ids := createRegistries(t, s, admin, reg.URL)
	sensorKey := ids["sensorKey"]
	delete(ids, "sensorKey")
	checkListAndGet(t, s, viewer, ids)
	checkTestConnection(t, s, developer, reg.URL)
	checkSync(t, s, admin, ids["local"])
	checkSensorStatus(t, s, viewer, ids)
	checkUpdateDelete(t, s, admin, ids)
	checkRoles(t, s, viewer, developer, ids["ghcr"])
	checkOtherOrg(t, s, globex, ids["ghcr"])
	checkBadInput(t, s, admin)
	checkAuth(t, s, dir, viewer, ids["ghcr"])

	// The sensor key appears in its creation response, and nowhere else.
	shown := 0
	for _, b := range bodies {
		if strings.Contains(b, sensorKey) {
			shown++
		}
	}
	if shown != 1 {
		t.Errorf("the sensor key appeared in %d responses, want 1", shown)
	}
	sweepBodies(t, bodies, admin, viewer, developer)
	sweepFiles(t, dir, admin, viewer, developer, sensorKey)
}

// createRegistries creates registries of several providers in both scan
// methods and returns their IDs by short name, and the sensor key.
func createRegistries(t *testing.T, s *server, admin, localURL string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	bodies := map[string]string{
		"ghcr": `{"name":"Acme GHCR","provider":"GHCR","url":"https://ghcr.io",
			"credentials":{"username":"deploy-bot","pat":"` + canaryPAT + `"},"scanMethod":"cloud","schedule":"daily","includeTags":"v*"}`,
		"harbor": `{"name":"Harbor","provider":"HARBOR","url":"https://harbor.acme.example",
			"credentials":{"robotName":"robot$scanner","secret":"` + canaryRobot + `"},"scanMethod":"sensor"}`,
		"ecr": `{"name":"ECR","provider":"AWS_ECR","url":"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com",
			"credentials":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"` + canaryAWS + `","region":"eu-west-1"},
			"scanners":["trivy"],"schedule":"weekly"}`,
		"local": `{"name":"Local","provider":"DOCKER_REGISTRY","url":"` + localURL + `","insecure":true,
			"credentials":{"username":"ci","password":"` + canaryPassword + `"}}`,
	}
	for _, name := range []string{"ghcr", "harbor", "ecr", "local"} {
		status, body := s.call("POST", "/api/registries", admin, bodies[name])
		d := dataOf(body)
		if status != http.StatusCreated || d["id"] == nil {
			t.Fatalf("POST %s: %d %v", name, status, body)
		}
		ids[name] = d["id"].(string)
		key, hasKey := d["sensorApiKey"].(string)
		if hasKey != (name == "harbor") {
			t.Fatalf("POST %s: sensorApiKey present = %v", name, hasKey)
		}
		if hasKey {
			if !strings.HasPrefix(key, "hg_ak_") {
				t.Fatalf("sensor key has the wrong form")
			}
			ids["sensorKey"] = key
		}
		if _, ok := d["credentials"]; ok {
			t.Fatalf("POST %s echoed the credentials", name)
		}
	}
	return ids
}

func checkListAndGet(t *testing.T, s *server, viewer string, ids map[string]string) {
	t.Helper()
	status, body := s.call("GET", "/api/registries", viewer, "")
	list, _ := body["data"].([]any)
	if status != http.StatusOK || len(list) != len(ids) {
		t.Fatalf("GET list: %d, %d registries", status, len(list))
	}
	want := map[string]string{"ghcr": "GHCR", "harbor": "HARBOR", "ecr": "AWS_ECR", "local": "DOCKER_REGISTRY"}
	for name, id := range ids {
		status, body := s.callWith("GET", "/api/registries/"+id, "", http.Header{"Authorization": {"Bearer " + viewer}})
		d := dataOf(body)
		if status != http.StatusOK || d["provider"] != want[name] || d["id"] != id {
			t.Fatalf("GET %s: %d %v", name, status, body)
		}
		for _, field := range []string{"credentials", "sensorApiKey", "password", "secret"} {
			if _, ok := d[field]; ok {
				t.Errorf("GET %s returned %q", name, field)
			}
		}
		for _, field := range []string{"name", "url", "scanMethod", "scanning", "health", "createdAt", "updatedAt"} {
			if _, ok := d[field]; !ok {
				t.Errorf("GET %s lacks %q", name, field)
			}
		}
	}
	_, body = s.call("GET", "/api/registries/"+ids["harbor"], viewer, "")
	if dataOf(body)["scanMethod"] != "sensor" {
		t.Errorf("harbor scanMethod = %v", dataOf(body)["scanMethod"])
	}
	_, body = s.call("GET", "/api/registries/"+ids["ecr"], viewer, "")
	if sc := dataOf(body)["scanning"].(map[string]any); sc["schedule"] != "weekly" || len(sc["scanners"].([]any)) != 1 {
		t.Errorf("ecr scanning = %v", sc)
	}
}

func checkTestConnection(t *testing.T, s *server, developer, localURL string) {
	t.Helper()
	for password, want := range map[string]string{canaryPassword: "healthy", canaryWrong: "auth_failed"} {
		status, body := s.call("POST", "/api/registries/test-connection", developer,
			`{"provider":"DOCKER_REGISTRY","url":"`+localURL+`","insecure":true,"credentials":{"username":"ci","password":"`+password+`"}}`)
		if status != http.StatusOK || dataOf(body)["status"] != want {
			t.Errorf("test-connection: %d %v, want status %s", status, body, want)
		}
	}
}

func checkSync(t *testing.T, s *server, admin, id string) {
	t.Helper()
	status, body := s.call("POST", "/api/registries/"+id+"/sync", admin, "")
	if status != http.StatusAccepted || dataOf(body)["status"] != "healthy" {
		t.Fatalf("sync: %d %v", status, body)
	}
	// GET shows the stored result, in the list too.
	_, body = s.call("GET", "/api/registries/"+id, admin, "")
	h, _ := dataOf(body)["health"].(map[string]any)
	if h["status"] != "healthy" || h["lastSyncAt"] == nil {
		t.Errorf("health after sync = %v", h)
	}
	_, body = s.call("GET", "/api/registries", admin, "")
	for _, r := range body["data"].([]any) {
		r := r.(map[string]any)
		h := r["health"].(map[string]any)
		if synced := r["id"] == id; synced != (h["status"] == "healthy") || synced != (h["lastSyncAt"] != nil) {
			t.Errorf("listed health of %v = %v", r["name"], h)
		}
	}
}

func checkSensorStatus(t *testing.T, s *server, viewer string, ids map[string]string) {
	t.Helper()
	status, body := s.call("GET", "/api/registries/"+ids["harbor"]+"/sensor-status", viewer, "")
	if status != http.StatusOK || dataOf(body)["sensorKeyIssued"] != true {
		t.Errorf("sensor-status of a sensor registry: %d %v", status, body)
	}
	status, body = s.call("GET", "/api/registries/"+ids["ghcr"]+"/sensor-status", viewer, "")
	if status != http.StatusConflict || errField(body) != "scanMethod" {
		t.Errorf("sensor-status of a cloud registry: %d %v", status, body)
	}
}

func checkUpdateDelete(t *testing.T, s *server, admin string, ids map[string]string) {
	t.Helper()
	path := "/api/registries/" + ids["ghcr"]
	status, body := s.call("PUT", path, admin, `{"name":"Acme GHCR (prod)","scanning":{"schedule":"weekly","tagInclude":"release-*"}}`)
	d := dataOf(body)
	if status != http.StatusOK || d["name"] != "Acme GHCR (prod)" {
		t.Fatalf("PUT: %d %v", status, body)
	}
	if sc := d["scanning"].(map[string]any); sc["schedule"] != "weekly" || sc["tagInclude"] != "release-*" {
		t.Errorf("PUT scanning = %v", sc)
	}
	for body, field := range map[string]string{
		`{"scanning":{"schedule":"hourly"}}`:                                "scanning.schedule",
		`{"credentials":{"username":"u","password":"` + canaryWrong + `"}}`: "credentials",
		`{"name":""}`:                       "name",
		`{"scanning":{"Schedule":"daily"}}`: "scanning.Schedule",
	} {
		if status, got := s.call("PUT", path, admin, body); status != http.StatusBadRequest || errField(got) != field {
			t.Errorf("PUT %s: %d %v, want 400 naming %s", body, status, got, field)
		}
	}
	if _, body := s.call("GET", path, admin, ""); dataOf(body)["name"] != "Acme GHCR (prod)" {
		t.Errorf("a refused PUT changed the registry: %v", body)
	}
	del := "/api/registries/" + ids["ecr"]
	if status, body := s.call("DELETE", del, admin, ""); status != http.StatusOK {
		t.Fatalf("DELETE: %d %v", status, body)
	}
	if status, _ := s.call("GET", del, admin, ""); status != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d", status)
	}
	if status, _ := s.call("DELETE", del, admin, ""); status != http.StatusNotFound {
		t.Errorf("DELETE twice: %d", status)
	}
	delete(ids, "ecr")
}

func checkRoles(t *testing.T, s *server, viewer, developer, id string) {
	t.Helper()
	tc := `{"provider":"GHCR","credentials":{"username":"u","pat":"` + canaryPAT + `"}}`
	create := `{"name":"x","provider":"GHCR","credentials":{"username":"u","pat":"` + canaryPAT + `"}}`
	forbidden := []struct{ key, method, path, body string }{
		{viewer, "POST", "/api/registries", create},
		{viewer, "PUT", "/api/registries/" + id, `{"name":"x"}`},
		{viewer, "DELETE", "/api/registries/" + id, ""},
		{viewer, "POST", "/api/registries/test-connection", tc},
		{viewer, "POST", "/api/registries/" + id + "/sync", ""},
		{developer, "POST", "/api/registries", create},
		{developer, "PUT", "/api/registries/" + id, `{"name":"x"}`},
		{developer, "DELETE", "/api/registries/" + id, ""},
		{developer, "POST", "/api/registries/" + id + "/sync", ""},
	}
	for _, f := range forbidden {
		if status, body := s.call(f.method, f.path, f.key, f.body); status != http.StatusForbidden || errField(body) != "role" {
			t.Errorf("%s %s with a low role: %d %v, want 403", f.method, f.path, status, body)
		}
	}
	if status, _ := s.call("GET", "/api/registries/"+id, developer, ""); status != http.StatusOK {
		t.Errorf("developer GET: %d", status)
	}
}

func checkOtherOrg(t *testing.T, s *server, globex, id string) {
	t.Helper()
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/registries/" + id, ""},
		{"PUT", "/api/registries/" + id, `{"name":"stolen"}`},
		{"DELETE", "/api/registries/" + id, ""},
		{"POST", "/api/registries/" + id + "/sync", ""},
		{"GET", "/api/registries/" + id + "/sensor-status", ""},
	} {
		if status, body := s.call(r.method, r.path, globex, r.body); status != http.StatusNotFound || errField(body) != "registryId" {
			t.Errorf("globex %s %s: %d %v, want 404", r.method, r.path, status, body)
		}
	}
	if _, body := s.call("GET", "/api/registries", globex, ""); len(body["data"].([]any)) != 0 {
		t.Errorf("globex lists acme's registries: %v", body)
	}
}

// checkBadInput sends refused bodies and checks that each is answered
// with the right status and field, and that nothing was stored.
func checkBadInput(t *testing.T, s *server, admin string) {
	t.Helper()
	_, before := s.call("GET", "/api/registries", admin, "")
	creds := `"credentials":{"username":"u","password":"` + canaryWrong + `"}`
	cases := []struct {
		name, body, field string
		status            int
	}{
		{"malformed JSON", `{"name":"x",` + creds, "body", 400},
		{"trailing data", `{"name":"x","provider":"GHCR"} {}`, "body", 400},
		{"unknown field", `{"name":"x","provider":"GHCR","owner":"me"}`, "owner", 400},
		{"wrong type", `{"name":"x","provider":"GHCR","insecure":"yes"}`, "insecure", 400},
		{"case-folded key", `{"Name":"x","provider":"GHCR",` + creds + `}`, "Name", 400},
		{"duplicate key", `{"name":"x","provider":"GHCR","provider":"HARBOR","url":"https://h.example",` + creds + `}`, "provider", 400},
		{"unknown provider", `{"name":"x","provider":"DOCKERHUB",` + creds + `}`, "provider", 400},
		{"missing name", `{"provider":"GHCR",` + creds + `}`, "name", 400},
		{"bad scanMethod", `{"name":"x","provider":"GHCR","scanMethod":"agent",` + creds + `}`, "scanMethod", 400},
		{"ecr with a password", `{"name":"x","provider":"AWS_ECR","url":"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com",` + creds + `}`, "credentials", 400},
		{"unknown credential field", `{"name":"x","provider":"GHCR","credentials":{"username":"u","token":"` + canaryWrong + `"}}`, "credentials.token", 400},
		{"oversize body", `{"name":"` + strings.Repeat("x", maxBody) + `"}`, "body", 413},
	}
	for _, p := range []string{"DOCKER_REGISTRY", "HARBOR", "JFROG", "NEXUS", "GITLAB", "CUSTOM"} {
		cases = append(cases, struct {
			name, body, field string
			status            int
		}{p + " without url", `{"name":"x","provider":"` + p + `",` + creds + `}`, "url", 400})
	}
	for _, c := range cases {
		status, body := s.call("POST", "/api/registries", admin, c.body)
		if status != c.status || errField(body) != c.field {
			t.Errorf("%s: %d %v, want %d naming %q", c.name, status, body, c.status, c.field)
		}
	}
	status, body := s.call("POST", "/api/registries/test-connection", admin, `{"provider":"NEXUS",`+creds+`}`)
	if status != http.StatusBadRequest || errField(body) != "url" {
		t.Errorf("test-connection without url: %d %v", status, body)
	}
	if _, after := s.call("GET", "/api/registries", admin, ""); len(after["data"].([]any)) != len(before["data"].([]any)) {
		t.Errorf("refused requests stored registries: %d before, %d after", len(before["data"].([]any)), len(after["data"].([]any)))
	}
}

func checkAuth(t *testing.T, s *server, dir, viewer, id string) {
	t.Helper()
	path := "/api/registries/" + id
	wrong := viewer[:len(viewer)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(viewer, "a")]
	for name, h := range map[string]http.Header{
		"no key":        {},
		"wrong key":     {"X-Api-Key": {wrong}},
		"malformed key": {"X-Api-Key": {"hg_ak_nope"}},
		"a PAT":         {"Authorization": {"Bearer hg_pat_x"}},
	} {
		if status, body := s.callWith("GET", path, "", h); status != http.StatusUnauthorized || errField(body) == "" {
			t.Errorf("%s: %d %v, want 401 naming the header", name, status, body)
		}
	}
	id8, _ := strings.CutPrefix(viewer, "hg_ak_")
	var out bytes.Buffer
	if err := run(t.Context(), []string{"revoke-key", "-data", dir, "-id", id8[:16]}, &out, nil); err != nil {
		t.Fatal(err)
	}
	if status, _ := s.call("GET", path, viewer, ""); status != http.StatusUnauthorized {
		t.Errorf("revoked key: %d, want 401", status)
	}
}

// TestRestart checks that a second start prints no admin key, and that
// keys and registries persist.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	var bodies []string
	first := startServer(t, dir, &bodies)
	admin := first.adminKey()
	status, body := first.call("POST", "/api/registries", admin,
		`{"name":"hub","provider":"DOCKER_HUB","credentials":{"username":"acme","pat":"`+canaryPAT+`"}}`)
	if status != http.StatusCreated || dataOf(body)["url"] == "" {
		t.Fatalf("POST: %d %v", status, body)
	}
	second := startServer(t, t.TempDir(), &bodies) // another data dir: its own first start
	if second.adminKey() == admin {
		t.Fatal("two data directories share an admin key")
	}
	// A second start on the first directory (beside the first server).
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var out lockedBuffer
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-data", dir}, &out, func(a string) { addrs <- a })
	}()
	select {
	case addr := <-addrs:
		again := &server{t: t, base: "http://" + addr, output: &out, bodies: &bodies}
		if _, body := again.call("GET", "/api/registries", admin, ""); len(body["data"].([]any)) != 1 {
			t.Errorf("after restart: %v", body)
		}
		// Without -allow-loopback, a connection test may not reach loopback.
		status, body := again.call("POST", "/api/registries/test-connection", admin,
			`{"provider":"DOCKER_REGISTRY","url":"`+first.base+`","insecure":true,"credentials":{"username":"u","password":"`+canaryWrong+`"}}`)
		if d := dataOf(body); status != http.StatusOK || d["status"] == "healthy" || d["roundTrips"] != 0.0 {
			t.Errorf("test-connection to loopback without -allow-loopback: %d %v", status, body)
		}
	case err := <-done:
		t.Fatalf("restart failed: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out.String() != "" {
		t.Errorf("a restart printed %q; the admin key is shown on the first start only", out.String())
	}
	sweepBodies(t, bodies, admin)
	sweepFiles(t, dir, admin)
}
