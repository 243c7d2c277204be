// Command peerbase is the whole backend of a peer-to-peer exchange app: the
// PocketBase server with Peerbase's schema, hooks and web app built in.
package main

import (
	"log"
	"os"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"

	"peerbase/demo"
	"peerbase/hooks"
	"peerbase/hooks/matching"
	"peerbase/hooks/photos"
	"peerbase/hooks/push"
	"peerbase/hooks/search"
	"peerbase/internal/stmtcache"
	_ "peerbase/pb_migrations"
)

func main() {
	// dev mode (every SQL statement and DEBUG line on the terminal) only
	// with --dev, even under go run; our own banner replaces PocketBase's
	app := pocketbase.NewWithConfig(pocketbase.Config{
		DefaultDev:       false,
		HideStartBanner:  true,
		DataMaxIdleConns: hooks.DataMaxIdleConns,
		DBConnect:        stmtcache.Connect,
	})

	cfg := hooks.DefaultConfig()
	hooks.BindFlags(app.RootCmd.PersistentFlags(), &cfg)
	var withDemo bool
	app.RootCmd.PersistentFlags().BoolVar(&withDemo, "demo", false,
		"fill an empty data dir (no users yet) with demo people, offers, wants and threads")
	// parse now (as PocketBase's own example does): the hooks take their
	// config when they are registered, before app.Start parses the rest
	_ = app.RootCmd.ParseFlags(os.Args[1:])

	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{
		Dir:          "pb_migrations",
		TemplateLang: migratecmd.TemplateLangGo,
		Automigrate:  false, // migrations are written by hand, in Go
	})

	if err := hooks.Register(app, cfg); err != nil {
		log.Fatal(err)
	}
	app.RootCmd.AddCommand(photos.NewCommand(app, &cfg.Photos))
	app.RootCmd.AddCommand(matching.NewCommand(app))
	app.RootCmd.AddCommand(push.NewCommand(app, &cfg.Push))
	app.RootCmd.AddCommand(search.NewCommand(app))
	demo.Register(app, &withDemo)
	bindStartBanner(app, os.Stdout, cfg, &withDemo, func() bool {
		serve, _, err := app.RootCmd.Find([]string{"serve"})
		f := serve.Flags().Lookup("https")
		return err == nil && f != nil && f.Value.String() != ""
	})

	bindWebApp(app, webApp())

	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}
