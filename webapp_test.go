package main

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pocketbase/pocketbase/tests"

	"peerbase/internal/testapp"
)

// TestWebAppFallback: unknown API paths get PocketBase's JSON 404 whatever
// the method, while the web app still serves its files and its index.html
// for the app's own routes.
func TestWebAppFallback(t *testing.T) {
	t.Parallel()
	site := fstest.MapFS{
		"index.html": {Data: []byte("<!doctype html><title>peerbase app</title>")},
		"app.js":     {Data: []byte("console.log('peerbase app js')")},
	}
	factory := func(t testing.TB) *tests.TestApp {
		app := testapp.New(t)
		bindWebApp(app, site)
		return app
	}
	notFound := []string{`"status":404`, `"message":"The requested resource wasn't found."`, `"data":{}`}
	scenarios := []tests.ApiScenario{
		{Name: "attack: GET unknown path under /api/peerbase", Method: http.MethodGet, URL: "/api/peerbase/anything",
			ExpectedStatus: 404, ExpectedContent: notFound, NotExpectedContent: []string{"peerbase app"}},
		{Name: "GET a deeper unknown API path", Method: http.MethodGet, URL: "/api/peerbase/me/nothing/here?x=1",
			ExpectedStatus: 404, ExpectedContent: notFound, NotExpectedContent: []string{"peerbase app"}},
		{Name: "GET /api itself", Method: http.MethodGet, URL: "/api",
			ExpectedStatus: 404, ExpectedContent: notFound, NotExpectedContent: []string{"peerbase app"}},
		{Name: "GET a made-up top-level API path", Method: http.MethodGet, URL: "/api/nothing",
			ExpectedStatus: 404, ExpectedContent: notFound, NotExpectedContent: []string{"peerbase app"}},
		{Name: "POST unknown API path", Method: http.MethodPost, URL: "/api/peerbase/anything", Body: strings.NewReader(`{}`),
			ExpectedStatus: 404, ExpectedContent: notFound},
		{Name: "DELETE unknown API path", Method: http.MethodDelete, URL: "/api/peerbase/anything",
			ExpectedStatus: 404, ExpectedContent: notFound},
		{Name: "a known API route still answers", Method: http.MethodGet, URL: "/api/health",
			ExpectedStatus: 200, ExpectedContent: []string{`"code":200`}},
		{Name: "legitimate: the web app's root", Method: http.MethodGet, URL: "/",
			ExpectedStatus: 200, ExpectedContent: []string{"peerbase app</title>"}},
		{Name: "legitimate: a web app file", Method: http.MethodGet, URL: "/app.js",
			ExpectedStatus: 200, ExpectedContent: []string{"peerbase app js"}},
		{Name: "legitimate: an app route falls back to index.html", Method: http.MethodGet, URL: "/offers/abc",
			ExpectedStatus: 200, ExpectedContent: []string{"peerbase app</title>"}},
		{Name: "legitimate: a path that only starts like api", Method: http.MethodGet, URL: "/apiary",
			ExpectedStatus: 200, ExpectedContent: []string{"peerbase app</title>"}},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

// TestEmbeddedWebApp: the binary carries the built web app (web/ builds
// pb_public/): the page loads the bundle and the manifest, and the service
// worker and the icons the manifest names are there.
func TestEmbeddedWebApp(t *testing.T) {
	t.Parallel()
	site := webApp()
	index, err := fs.ReadFile(site, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`src="/app.js"`, `href="/app.css"`, `rel="manifest"`, `id="app"`} {
		if !strings.Contains(string(index), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	for _, name := range []string{"app.js", "app.css", "sw.js"} {
		if b, err := fs.ReadFile(site, name); err != nil || len(b) == 0 {
			t.Errorf("%s: %v (%d bytes)", name, err, len(b))
		}
	}
	raw, err := fs.ReadFile(site, "manifest.webmanifest")
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Name    string `json:"name"`
		Display string `json:"display"`
		Icons   []struct {
			Src string `json:"src"`
		} `json:"icons"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if manifest.Name == "" || manifest.Display != "standalone" || len(manifest.Icons) == 0 {
		t.Errorf("manifest not installable: %+v", manifest)
	}
	for _, icon := range manifest.Icons {
		if _, err := fs.Stat(site, strings.TrimPrefix(icon.Src, "/")); err != nil {
			t.Errorf("manifest icon %s: %v", icon.Src, err)
		}
	}
}
