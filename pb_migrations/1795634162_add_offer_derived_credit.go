package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Adds published_at to offers (when it first left draft, set once by the
// social hooks; filled from created for the offers already published) and
// derived_from_owner: the owner of the origin of a derived
// offer, credited on it by the social hooks and never client-writable, so
// the credit stays (and expands to a public profile) when the origin is
// later closed, hidden or deleted. Indexed so a person lists the offers
// derived from theirs with a filter. Existing derived offers are filled in.
func init() {
	m.Register(func(app core.App) error {
		offers, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			return err
		}
		r, err := relation(app, schema.OfferDerivedFromOwner, schema.Users, false, false)
		if err != nil {
			return err
		}
		r.Help = "the owner of the offer this one is derived from (credit); written by hooks"
		offers.Fields.Add(r, &core.DateField{Name: schema.OfferPublishedAt,
			Help: "when the offer was first published (left draft); written by hooks"})
		offers.AddIndex("idx_offers_derived_from_owner", false, "derived_from_owner, created", "derived_from_owner != ''")
		if err := app.Save(offers); err != nil {
			return err
		}
		_, err = app.DB().NewQuery("UPDATE {{" + schema.Offers + "}} SET [[" + schema.OfferDerivedFromOwner + "]] = " +
			"COALESCE((SELECT o.[[owner]] FROM {{" + schema.Offers + "}} o WHERE o.[[id]] = {{" + schema.Offers + "}}.[[" + schema.OfferDerivedFrom + "]]), '') " +
			"WHERE [[" + schema.OfferDerivedFrom + "]] != ''").Execute()
		if err != nil {
			return err
		}
		_, err = app.DB().NewQuery("UPDATE {{" + schema.Offers + "}} SET [[" + schema.OfferPublishedAt + "]] = [[created]] " +
			"WHERE [[status]] != 'draft'").Execute()
		return err
	}, func(app core.App) error {
		offers, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			return err
		}
		offers.RemoveIndex("idx_offers_derived_from_owner")
		offers.Fields.RemoveByName(schema.OfferDerivedFromOwner)
		offers.Fields.RemoveByName(schema.OfferPublishedAt)
		return app.Save(offers)
	})
}
