// Package testapp makes real PocketBase test apps with Peerbase's schema and
// hooks (real SQLite in a temporary folder), plus the fixtures tests share.
// A package builds one template data dir in TestMain with its fixtures, and
// every test clones it: a clone costs a file copy, not a migration run.
package testapp

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks"
	"peerbase/hooks/schema"
	"peerbase/internal/stmtcache"
	_ "peerbase/pb_migrations" // our schema, for every test app
)

// Password is the password of every fixture user.
const Password = "fixture-password-123"

// New returns a fresh test app with the schema and hooks, cleaned up with t.
func New(t testing.TB) *tests.TestApp {
	t.Helper()
	return FromTemplate(t, t.TempDir())
}

// FromTemplate clones dir (an empty folder or a template made by
// BuildTemplate) into a new test app with the hooks registered.
func FromTemplate(t testing.TB, dir string) *tests.TestApp {
	t.Helper()
	app, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	return app
}

// Open clones dir into a new test app with Peerbase's hooks registered; the
// caller cleans it up. It suits tests.ApiScenario's TestAppFactory.
func Open(dir string) (*tests.TestApp, error) {
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{
		DataDir:          dir,
		EncryptionEnv:    "pb_test_env",
		DataMaxIdleConns: hooks.DataMaxIdleConns, // as the binary ships
		DBConnect:        stmtcache.Connect,
	})
	if err != nil {
		return nil, fmt.Errorf("failed to create the test app: %w", err)
	}
	if err := hooks.Register(app, Config()); err != nil {
		app.Cleanup()
		return nil, err
	}
	return app, nil
}

// Config is the hooks configuration of test apps: the defaults, except
// that push deliveries are written but never sent (no test but hooks/push's
// own, which sends to a loopback receiver, may call out) and the push
// services the fixtures name are allowed without a DNS lookup.
func Config() hooks.Config {
	cfg := hooks.DefaultConfig()
	cfg.Push.Deliver = false
	cfg.Push.AllowHosts = append(cfg.Push.AllowHosts, "push.example.com:443", "push.example.test:443")
	return cfg
}

// Main builds the package's template with seed, stores its folder in
// *dir, runs the package's tests, removes the template and exits: the body
// of a TestMain.
func Main(m *testing.M, dir *string, seed func(app core.App) error) {
	d, err := BuildTemplate(seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*dir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// Factory returns a tests.ApiScenario TestAppFactory that clones the
// template in *dir (read when the scenario runs, after Main set it).
func Factory(dir *string) func(testing.TB) *tests.TestApp {
	return func(t testing.TB) *tests.TestApp {
		t.Helper()
		app, err := Open(*dir)
		if err != nil {
			t.Fatal(err)
		}
		return app
	}
}

// BuildTemplate makes a data dir with the migrations applied and whatever
// seed writes, for FromTemplate; remove it with os.RemoveAll when done.
func BuildTemplate(seed func(app core.App) error) (dir string, err error) {
	dir, err = os.MkdirTemp("", "peerbase-template-")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	app, err := Open(dir)
	if err != nil {
		return "", err
	}
	defer app.Cleanup()
	if err := seed(app); err != nil {
		return "", fmt.Errorf("failed to seed the template: %w", err)
	}
	// no follower-notification job may wait in a template: each clone's
	// worker would write notifications during unrelated tests
	if _, err := app.DB().NewQuery("DELETE FROM " + schema.FollowJobsTable).Execute(); err != nil {
		return "", err
	}
	// the test app worked on a clone: copy the seeded clone back as the template
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := app.ClearBootstrap(); err != nil {
		return "", err
	}
	if err := os.CopyFS(dir, os.DirFS(app.DataDir())); err != nil {
		return "", err
	}
	return dir, nil
}

// CreateUser saves a verified user with the fixture password.
func CreateUser(app core.App, name string) (*core.Record, error) {
	c, err := app.FindCollectionByNameOrId(schema.Users)
	if err != nil {
		return nil, err
	}
	u := core.NewRecord(c)
	u.SetEmail(name + "@test.peerbase.local")
	u.SetPassword(Password)
	u.SetVerified(true)
	u.Set(schema.UserName, name)
	u.Set(schema.FieldLocation, types.GeoPoint{Lon: 4.84, Lat: 45.76})
	u.Set(schema.UserTimezone, "Europe/Paris")
	return u, app.Save(u)
}

// CreateUsers saves a user per name (see CreateUser) and records each one's
// id and auth token under its name.
func CreateUsers(app core.App, ids, tokens map[string]string, names ...string) error {
	for _, n := range names {
		u, err := CreateUser(app, n)
		if err != nil {
			return err
		}
		ids[n] = u.Id
		if tokens[n], err = u.NewAuthToken(); err != nil {
			return err
		}
	}
	return nil
}

// CreateRecord saves a record of collection with data through the model
// path (hooks included), so fixtures get what hooks compute.
func CreateRecord(app core.App, collection string, data map[string]any) (*core.Record, error) {
	c, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(c)
	for k, v := range data {
		r.Set(k, v)
	}
	if err := app.Save(r); err != nil {
		return nil, fmt.Errorf("failed to create %s fixture: %w", collection, err)
	}
	return r, nil
}

// CreateSuperuser saves a superuser.
func CreateSuperuser(app core.App, email string) (*core.Record, error) {
	c, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		return nil, err
	}
	s := core.NewRecord(c)
	s.SetEmail(email)
	s.SetPassword(Password)
	return s, app.Save(s)
}

// Token returns an auth token for record, failing the test on error.
func Token(t testing.TB, record *core.Record) string {
	t.Helper()
	token, err := record.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// File returns an in-memory upload with the given name and content.
func File(t testing.TB, name string, data []byte) *filesystem.File {
	t.Helper()
	f, err := filesystem.NewFileFromBytes(data, name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Handler returns app's router as `peerbase serve` builds it: OnServe
// triggered, so our routes and middlewares (and PocketBase's realtime
// hooks) are bound. Tests serve it with httptest on loopback.
func Handler(t testing.TB, app core.App) http.Handler {
	t.Helper()
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	var mux http.Handler
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: router}, func(e *core.ServeEvent) error {
		m, err := e.Router.BuildMux()
		mux = m
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return mux
}
