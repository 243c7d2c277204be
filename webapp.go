package main

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// webAppFiles is the web app, built into the binary so that self-hosters run
// one file.
//
//go:embed all:pb_public
var webAppFiles embed.FS

// webApp returns the embedded pb_public folder as the root of a file system.
func webApp() fs.FS {
	sub, err := fs.Sub(webAppFiles, "pb_public")
	if err != nil {
		panic(err) // the folder is embedded at build time: it cannot be missing
	}
	return sub
}

// bindWebApp serves the web app from fsys at every path no other route
// takes (unless a route of that pattern exists already).
func bindWebApp(app core.App, fsys fs.FS) {
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		if !e.Router.HasRoute(http.MethodGet, "/{path...}") {
			e.Router.GET("/{path...}", serveWebApp(fsys))
		}
		return e.Next()
	})
}

// serveWebApp serves the web app's files, and index.html for any other path
// so that the app's own routes load on a reload. Paths under /api/ are left
// out: a client calling an API route that doesn't exist (a typo, an older
// server) must get PocketBase's JSON 404, not a 200 with HTML it can't parse.
func serveWebApp(fsys fs.FS) func(*core.RequestEvent) error {
	static := apis.Static(fsys, true)
	return func(e *core.RequestEvent) error {
		if isAPIPath(e.Request.URL.Path) {
			return e.NotFoundError("", nil)
		}
		return static(e)
	}
}

// isAPIPath reports whether path is /api or under /api/.
func isAPIPath(path string) bool {
	return path == "/api" || strings.HasPrefix(path, "/api/")
}
