package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates offers. Drafts and hidden (moderated) offers are visible to their
// owner only; the owner is the caller on create and never changes; a hidden
// offer can't be edited or un-hidden by its owner (moderation does that).
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Offers)
		c.ListRule = rule(`(status != "draft" && status != "hidden") || owner = @request.auth.id`)
		c.ViewRule = c.ListRule
		c.CreateRule = rule(`@request.auth.id != "" && owner = @request.auth.id && status != "hidden"`)
		c.UpdateRule = rule(`owner = @request.auth.id && status != "hidden" && @request.body.owner:changed = false && ` +
			`(@request.body.status:isset = false || @request.body.status != "hidden")`)
		c.DeleteRule = rule("owner = @request.auth.id")

		c.Fields.Add(&core.TextField{Name: schema.OfferTitle, Required: true, Min: 3, Max: 120, Presentable: true})
		if err := addRelations(app, c, &relationSpec{name: schema.FieldOwner, target: schema.Users, required: true, cascade: true}); err != nil {
			return err
		}
		c.Fields.Add(
			&core.SelectField{Name: schema.FieldKind, Required: true, MaxSelect: 1, Values: schema.OfferKinds},
			&core.SelectField{Name: schema.FieldStatus, Required: true, MaxSelect: 1, Values: schema.OfferStatuses},
		)
		if err := addRelations(app, c, &relationSpec{name: schema.FieldCategory, target: schema.Categories}); err != nil {
			return err
		}
		c.Fields.Add(
			&core.NumberField{Name: schema.OfferPrice, Min: float(0), Max: float(1e9)},
			&core.TextField{Name: schema.OfferCurrency, Pattern: `^[A-Z]{3}$`, Help: "ISO 4217 code, e.g. EUR"},
			&core.SelectField{Name: schema.OfferPriceUnit, MaxSelect: 1, Values: schema.PriceUnits},
			&core.GeoPointField{Name: schema.FieldLocation},
			&core.TextField{Name: schema.OfferDescription, Max: 5000},
			&core.JSONField{Name: schema.OfferTags, MaxSize: 2 << 10, Help: `a list of short words, e.g. ["drill","bosch"]`},
			&core.TextField{Name: schema.OfferWantsInReturn, Max: 1000, Help: "for swaps: what the owner would take in return"},
			&core.FileField{Name: schema.OfferPhotos, MaxSelect: 10, MaxSize: schema.MaxImageBytes,
				MimeTypes: schema.ImageMimeTypes, Thumbs: schema.OfferPhotoThumbs},
			&core.JSONField{Name: schema.OfferPhotoMeta, MaxSize: 16 << 10, Help: "per photo: width, height, blurhash, color; written by hooks"},
			&core.FileField{Name: schema.OfferFiles, MaxSelect: 10, MaxSize: 100 << 20, Protected: true,
				Help: "digital offers: downloadable only by the owner and the counterparty of an accepted exchange"},
			&core.DateField{Name: schema.OfferExpiresAt},
		)
		if err := app.Save(c); err != nil {
			return err
		}

		// self relation: the collection needs an id first
		c.Fields.Add(&core.RelationField{Name: schema.OfferDerivedFrom, CollectionId: c.Id, MaxSelect: 1,
			Help: "the offer this one remixes (attribution)"})
		addTimestamps(c)
		c.AddIndex("idx_offers_status_created", false, "status, created", "")
		c.AddIndex("idx_offers_category_status_created", false, "category, status, created", "")
		c.AddIndex("idx_offers_owner_created", false, "owner, created", "")
		c.AddIndex("idx_offers_derived_from", false, "derived_from", "derived_from != ''")
		c.AddIndex("idx_offers_expires_at", false, "expires_at", "expires_at != ''")
		return app.Save(c)
	}, dropCollection(schema.Offers))
}
