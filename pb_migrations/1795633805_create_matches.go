package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates matches: one record per person told about a match, written only by
// the matching hooks; its recipient may read it, mark it seen or dismiss it.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Matches)
		c.ListRule = rule("recipient = @request.auth.id")
		c.ViewRule = c.ListRule
		c.UpdateRule = c.ListRule // only "seen": every other field is computed
		c.DeleteRule = c.ListRule

		if err := addRelations(app, c,
			&relationSpec{name: schema.MatchRecipient, target: schema.Users, required: true, cascade: true},
		); err != nil {
			return err
		}
		c.Fields.Add(&core.SelectField{Name: schema.FieldKind, Required: true, MaxSelect: 1, Values: schema.MatchKinds})
		if err := addRelations(app, c,
			&relationSpec{name: schema.MatchOffer, target: schema.Offers, required: true, cascade: true, presentable: true},
			&relationSpec{name: schema.MatchWant, target: schema.Wants, cascade: true},
		); err != nil {
			return err
		}
		c.Fields.Add(
			&core.NumberField{Name: schema.MatchScore},
			&core.BoolField{Name: schema.MatchSeen},
			&core.TextField{Name: schema.MatchExplanation, Max: 500},
			&core.JSONField{Name: schema.MatchCycle, MaxSize: 4 << 10, Help: "swaps: the ordered people and offers of the cycle"},
		)
		addTimestamps(c)
		c.AddIndex("idx_matches_recipient", false, "recipient, seen, created", "")
		c.AddIndex("idx_matches_offer", false, "offer", "")
		return app.Save(c)
	}, dropCollection(schema.Matches))
}
