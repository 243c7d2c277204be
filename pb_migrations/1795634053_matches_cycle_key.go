package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// A swap cycle is told once to each person in it, whichever offer completed
// it: cycle_key names the cycle (its offer ids in a fixed rotation), unique
// per recipient.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Matches)
		if err != nil {
			return err
		}
		c.Fields.Add(&core.TextField{Name: schema.MatchCycleKey, Max: 200, Help: "swaps: the cycle's identity; written by hooks"})
		c.AddIndex("idx_matches_recipient_cycle", true, "recipient, cycle_key", "cycle_key != ''")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Matches)
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_matches_recipient_cycle")
		c.Fields.RemoveByName(schema.MatchCycleKey)
		return app.Save(c)
	})
}
