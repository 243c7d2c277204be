package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/demo"
	"peerbase/hooks"
	"peerbase/internal/testapp"
)

// The start banner names the app, API and dashboard URLs, the demo accounts
// when the data dir already had them, and the capabilities on.
func TestStartBanner(t *testing.T) {
	app := testapp.New(t)
	e := &core.ServeEvent{App: app, Server: &http.Server{Addr: "127.0.0.1:8090"}}
	cfg := hooks.DefaultConfig()
	accounts := []string{"ana@" + demo.EmailDomain}

	var out strings.Builder
	printBanner(&out, e, cfg, false, true, true, accounts)
	got := out.String()
	for _, want := range []string{"http://127.0.0.1:8090/\n", "http://127.0.0.1:8090/api/\n", "http://127.0.0.1:8090/_/\n",
		"ana@" + demo.EmailDomain, demo.Password, "moderation (hide at 3 reports)", "expiry (60 days)"} {
		if !strings.Contains(got, want) {
			t.Errorf("banner lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "\n"); n > 8 {
		t.Errorf("banner of %d lines:\n%s", n, got)
	}

	// the seed that just ran printed the accounts itself; https; no demo
	out.Reset()
	printBanner(&out, e, cfg, true, true, false, accounts)
	if got := out.String(); strings.Contains(got, demo.Password) || !strings.Contains(got, "https://127.0.0.1:8090/api/") {
		t.Errorf("banner:\n%s", got)
	}
	out.Reset()
	printBanner(&out, e, cfg, false, false, true, accounts)
	if strings.Contains(out.String(), demo.Password) {
		t.Errorf("demo accounts without --demo:\n%s", out.String())
	}
}
