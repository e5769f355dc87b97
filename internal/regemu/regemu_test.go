package regemu_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/credvault/credvault/internal/regemu"
)

func start(t *testing.T, f regemu.Flavor) *regemu.Registry {
	t.Helper()
	r, err := regemu.Start(regemu.Config{Flavor: f, Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func get(t *testing.T, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestChallenges pins each flavor's exact WWW-Authenticate value.
func TestChallenges(t *testing.T) {
	for f, want := range map[regemu.Flavor]string{
		regemu.DockerHub: `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"`,
		regemu.GHCR:      `Bearer realm="https://ghcr.io/token",service="ghcr.io"`,
		regemu.Quay:      `Bearer realm="https://quay.io/v2/auth",service="quay.io"`,
		regemu.Nexus:     `BASIC realm="Sonatype Nexus Repository Manager"`,
		regemu.BasicAuth: `Basic realm="Registry Realm"`,
		regemu.GitLab:    `Bearer realm="{auth}/jwt/auth",service="container_registry"`,
		regemu.Harbor:    `Bearer realm="{url}/service/token",service="harbor-registry"`,
		regemu.JFrog:     `Bearer realm="{url}/artifactory/api/docker/docker-local/v2/token",service="{host}"`,
	} {
		r := start(t, f)
		want = strings.NewReplacer("{auth}", r.AuthURL, "{url}", r.URL, "{host}", strings.TrimPrefix(r.URL, "http://")).Replace(want)
		path := "/v2/"
		if f == regemu.JFrog {
			path = "/artifactory/api/docker/" + regemu.JFrogRepo + "/v2/"
		}
		resp, body := get(t, r.URL+path, nil)
		if resp.StatusCode != 401 || resp.Header.Get("Www-Authenticate") != want {
			t.Errorf("%s: %d %q, want 401 %q", f, resp.StatusCode, resp.Header.Get("Www-Authenticate"), want)
		}
		if resp.Header.Get("Docker-Distribution-Api-Version") != "registry/2.0" || !strings.Contains(body, `"code":"UNAUTHORIZED"`) {
			t.Errorf("%s: headers %v body %s", f, resp.Header, body)
		}
	}
}

// TestErrorBodies pins the providers' error shapes.
func TestErrorBodies(t *testing.T) {
	hub := start(t, regemu.DockerHub)
	_, body := get(t, hub.AuthURL+"/token?service=registry.docker.io", map[string]string{"Authorization": "Basic eDp5"})
	if body != `{"details":"incorrect username or password"}`+"\n" {
		t.Errorf("hub token error %q", body)
	}
	hr := start(t, regemu.Harness)
	resp, body := get(t, hr.URL+"/gateway/har/api/v1/spaces/"+regemu.HarnessSpace+"/+/registries", nil)
	var he struct{ Code, Message string }
	if resp.StatusCode != 401 || json.Unmarshal([]byte(body), &he) != nil || he.Code != "401" || he.Message == "" {
		t.Errorf("harness error %d %q", resp.StatusCode, body)
	}
	hb := start(t, regemu.Harbor)
	resp, _ = get(t, hb.URL+"/api/v2.0/users/current", map[string]string{"Authorization": "Basic cm9ib3QkeDp5"}) // robot$x:y
	if resp.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("harbor users/current for a robot: %d, want 412", resp.StatusCode)
	}
	if resp, body = get(t, hb.URL+"/api/v2.0/ping", nil); resp.StatusCode != 200 || body != "Pong" {
		t.Errorf("harbor ping %d %q", resp.StatusCode, body)
	}
	nx := start(t, regemu.Nexus)
	if resp, _ = get(t, nx.URL+"/service/rest/v1/status", nil); resp.StatusCode != 200 {
		t.Errorf("nexus status %d", resp.StatusCode)
	}
}

func TestTokenShapesAndModes(t *testing.T) {
	r := start(t, regemu.Harness)                                                                                    // access_token only
	resp, body := get(t, r.URL+"/v2/token?service=pkg.harness.io", map[string]string{"Authorization": "Basic dTpw"}) // u:p
	if resp.StatusCode != 200 || !strings.Contains(body, `"access_token"`) || strings.Contains(body, `"token"`) {
		t.Errorf("harness token %d %s", resp.StatusCode, body)
	}
	r.SetMode(regemu.RateLimit)
	if resp, _ = get(t, r.URL+"/v2/", nil); resp.StatusCode != 429 {
		t.Errorf("rate limit mode: %d", resp.StatusCode)
	}
	r.SetMode(regemu.ServerError)
	if resp, _ = get(t, r.URL+"/v2/", nil); resp.StatusCode != 503 {
		t.Errorf("server error mode: %d", resp.StatusCode)
	}
	if _, err := regemu.Start(regemu.Config{Flavor: "nope"}); err == nil {
		t.Error("unknown flavor started")
	}
}
