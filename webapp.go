package main

import (
	"embed"
	"io/fs"
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
