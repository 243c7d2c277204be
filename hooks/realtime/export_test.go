package realtime

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// Publish exposes the delivery path to the benchmarks of package
// realtime_test (which need the test app, and so the hooks package).
func Publish(app core.App, action string, record *core.Record, users []string) {
	h, _ := app.Store().Get(storeKey).(*hub)
	h.publish(app, action, record, users)
}

// Indexed returns how many connections the app's index holds.
func Indexed(app core.App) int {
	h, _ := app.Store().Get(storeKey).(*hub)
	n, _ := h.idx.size()
	return n
}

// WrapClient wraps a default client as the connect hook does.
func WrapClient(c *subscriptions.DefaultClient) subscriptions.Client { return wrapClient(c) }
