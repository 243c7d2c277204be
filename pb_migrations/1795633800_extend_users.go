package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Extends PocketBase's own users collection with the profile of a person or
// small business: public profiles (view is open so offers can expand their
// owner; list needs a signed-in caller), private settings (hidden fields, so
// nobody else can read them or probe them with a filter or a sort; the trust
// hooks show them to, and take them from, the user themself), and ratings
// written only by hooks.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId(schema.Users)
		if err != nil {
			return err
		}

		users.ListRule = rule(`@request.auth.id != ""`)
		users.ViewRule = rule("")
		users.CreateRule = rule("")
		users.UpdateRule = rule("id = @request.auth.id")
		users.DeleteRule = rule("id = @request.auth.id")

		if name, ok := users.Fields.GetByName(schema.UserName).(*core.TextField); ok {
			name.Presentable = true
			name.Max = 80
		}
		if avatar, ok := users.Fields.GetByName(schema.UserAvatar).(*core.FileField); ok {
			// no SVG: it is a script carrier and no photo pipeline can make it safe
			avatar.MimeTypes = schema.ImageMimeTypes
			avatar.MaxSize = schema.MaxImageBytes
			avatar.Thumbs = schema.AvatarThumbs
		}

		users.Fields.Add(
			&core.JSONField{Name: schema.UserAvatarMeta, MaxSize: 4 << 10, Help: "width, height, blurhash and color of the avatar; written by hooks"},
			&core.SelectField{Name: schema.UserAccountType, Values: []string{schema.AccountPerson, schema.AccountBusiness}, MaxSelect: 1},
			&core.TextField{Name: schema.UserBio, Max: 2000},
			&core.GeoPointField{Name: schema.FieldLocation, Hidden: true, Help: "private: shown only to the user; offers carry their own location"},
			&core.TextField{Name: schema.UserLocale, Hidden: true, Max: 35, Pattern: `^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$`},
			&core.TextField{Name: schema.UserTimezone, Hidden: true, Max: 64, Help: "IANA time zone name, e.g. Europe/Paris"},
			&core.NumberField{Name: schema.UserRatingAvg, Min: float(0), Max: float(5), Help: "written by hooks"},
			&core.NumberField{Name: schema.UserRatingCount, Min: float(0), OnlyInt: true, Help: "written by hooks"},
			&core.JSONField{Name: schema.UserNotify, Hidden: true, MaxSize: 4 << 10, Help: `per-type notification preferences, e.g. {"message":true,"match":false}`},
			&core.TextField{Name: schema.UserQuietStart, Hidden: true, Pattern: `^([01][0-9]|2[0-3]):[0-5][0-9]$`, Help: "quiet hours start, HH:MM in the user's time zone"},
			&core.TextField{Name: schema.UserQuietEnd, Hidden: true, Pattern: `^([01][0-9]|2[0-3]):[0-5][0-9]$`, Help: "quiet hours end, HH:MM in the user's time zone"},
		)

		return app.Save(users)
	}, func(app core.App) error {
		users, err := app.FindCollectionByNameOrId(schema.Users)
		if err != nil {
			return err
		}
		for _, f := range []string{schema.UserAvatarMeta, schema.UserAccountType, schema.UserBio, schema.FieldLocation,
			schema.UserLocale, schema.UserTimezone, schema.UserRatingAvg, schema.UserRatingCount, schema.UserNotify,
			schema.UserQuietStart, schema.UserQuietEnd} {
			users.Fields.RemoveByName(f)
		}
		owner := "id = @request.auth.id"
		users.ListRule, users.ViewRule = rule(owner), rule(owner)
		return app.Save(users)
	})
}
