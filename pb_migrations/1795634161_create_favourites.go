package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates favourites: the offers a person saved to come back to. Private to
// that person in lists, views and expand; they save only offers they can
// see, once each, never move a favourite to another offer or person (no
// update rule), and delete their own. The social hooks tell them when a
// saved offer's price drops, when it is about to close and when it closes;
// closing_warned (hidden) remembers which expiry they were warned about.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Favourites)
		own := `@request.auth.id != "" && owner = @request.auth.id`
		c.ListRule = rule(own)
		c.ViewRule = rule(own)
		c.CreateRule = rule(own + ` && ((offer.status != "draft" && offer.status != "hidden") || offer.owner = @request.auth.id)` +
			` && @request.body.closing_warned:isset = false`)
		c.UpdateRule = nil
		c.DeleteRule = rule(own)
		if err := addRelations(app, c,
			&relationSpec{name: schema.FavouriteOwner, target: schema.Users, required: true, cascade: true},
			&relationSpec{name: schema.FavouriteOffer, target: schema.Offers, required: true, cascade: true, presentable: true},
		); err != nil {
			return err
		}
		c.Fields.Add(&core.DateField{Name: schema.FavouriteClosingWarned, Hidden: true,
			Help: "the offer's expires_at its person was warned about; written by hooks"})
		addTimestamps(c)
		c.AddIndex("idx_favourites_owner_offer", true, "owner, offer", "")
		c.AddIndex("idx_favourites_offer", false, "offer", "")
		return app.Save(c)
	}, dropCollection(schema.Favourites))
}
