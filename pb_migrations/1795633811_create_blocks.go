package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates blocks: private to the blocker. A block stops new threads and
// messages between the two people in both directions (trust hooks).
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Blocks)
		c.ListRule = rule("blocker = @request.auth.id")
		c.ViewRule = c.ListRule
		c.CreateRule = rule(`@request.auth.id != "" && blocker = @request.auth.id && blocked != @request.auth.id`)
		c.DeleteRule = rule("blocker = @request.auth.id")

		if err := addRelations(app, c,
			&relationSpec{name: schema.BlockBlocker, target: schema.Users, required: true, cascade: true},
			&relationSpec{name: schema.BlockBlocked, target: schema.Users, required: true, cascade: true, presentable: true},
		); err != nil {
			return err
		}
		addTimestamps(c)
		c.AddIndex("idx_blocks_pair", true, "blocker, blocked", "")
		c.AddIndex("idx_blocks_blocked", false, "blocked", "")
		return app.Save(c)
	}, dropCollection(schema.Blocks))
}
