package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"peerbase/demo"
	"peerbase/hooks"
	"peerbase/hooks/schema"
)

// bindStartBanner prints one short block when the server starts (in place
// of PocketBase's): the URLs of the web app, the API and the dashboard, the
// demo accounts when --demo filled the data dir, and the capabilities on.
// It wraps the other OnServe handlers, so it sees the demo seed's result.
func bindStartBanner(app core.App, out io.Writer, cfg hooks.Config, withDemo *bool, https func() bool) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id:       "peerbaseStartBanner",
		Priority: -100, // before the demo seed: it must see the data dir as it was
		Func: func(e *core.ServeEvent) error {
			demoBefore := demoAccounts(e.App)
			if err := e.Next(); err != nil {
				return err
			}
			printBanner(out, e, cfg, https(), *withDemo, len(demoBefore) > 0, demoAccounts(e.App))
			return nil
		},
	})
}

// printBanner writes the banner; the demo accounts are listed unless the
// seed that just ran printed them itself.
func printBanner(out io.Writer, e *core.ServeEvent, cfg hooks.Config, https, withDemo, demoExisted bool, accounts []string) {
	base := "http://"
	if https {
		base = "https://"
	}
	addr := e.Server.Addr
	if addr == "" || strings.HasSuffix(addr, ":http") || strings.HasSuffix(addr, ":https") {
		addr = "127.0.0.1"
	}
	base += addr
	var b strings.Builder
	fmt.Fprintf(&b, "Peerbase is running\n")
	fmt.Fprintf(&b, "├─ App:          %s/\n", base)
	fmt.Fprintf(&b, "├─ API:          %s/api/\n", base)
	fmt.Fprintf(&b, "├─ Dashboard:    %s/_/\n", base)
	if withDemo && demoExisted && len(accounts) > 0 {
		fmt.Fprintf(&b, "├─ Demo:         sign in as %s with the password %q\n", strings.Join(accounts, ", "), demo.Password)
	}
	if !e.App.IsDev() {
		fmt.Fprintf(&b, "├─ Log:          quiet (--dev prints every request and SQL statement)\n")
	}
	fmt.Fprintf(&b, "└─ Capabilities: %s\n", strings.Join(hooks.Capabilities(cfg), ", "))
	_, _ = io.WriteString(out, b.String()) // one write: nothing else's output lands inside it
}

// demoAccounts lists the demo accounts' e-mails in the data dir.
func demoAccounts(app core.App) []string {
	var emails []string
	_ = app.RecordQuery(schema.Users).Select("email").
		AndWhere(dbx.Like("email", "@"+demo.EmailDomain).Match(true, false)).
		OrderBy("created ASC").Limit(10).Column(&emails)
	return emails
}
