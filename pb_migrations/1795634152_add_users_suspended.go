package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Suspensions: users.suspended_until (set by a superuser; empty: not
// suspended). A suspended person can't sign in (auth rule; hooks/moderation
// also refreshes their token key so their tokens stop at once), and their
// offers and wants disappear for everyone else by rule on the owner, never
// by rewriting their status, so they come back by themselves when the
// suspension ends. The field is hidden: only superusers read it.
func init() {
	const notSuspended = `(owner.suspended_until = "" || owner.suspended_until <= @now)`
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId(schema.Users)
		if err != nil {
			return err
		}
		users.Fields.Add(&core.DateField{Name: schema.UserSuspendedUntil, Hidden: true,
			Help: "suspended until this date (empty: not suspended; a far date: for good); superusers only"})
		users.AuthRule = rule(`deleted = false && (suspended_until = "" || suspended_until <= @now)`)
		if err := app.Save(users); err != nil {
			return err
		}

		offers, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			return err
		}
		offers.ListRule = rule(`(status != "draft" && status != "hidden" && ` + notSuspended + `) || owner = @request.auth.id`)
		offers.ViewRule = offers.ListRule
		if err := app.Save(offers); err != nil {
			return err
		}

		wants, err := app.FindCollectionByNameOrId(schema.Wants)
		if err != nil {
			return err
		}
		wants.ListRule = rule(`(public = true && active = true && hidden = false && ` + notSuspended + `) || owner = @request.auth.id`)
		wants.ViewRule = wants.ListRule
		return app.Save(wants)
	}, func(app core.App) error {
		offers, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			return err
		}
		offers.ListRule = rule(`(status != "draft" && status != "hidden") || owner = @request.auth.id`)
		offers.ViewRule = offers.ListRule
		if err := app.Save(offers); err != nil {
			return err
		}
		wants, err := app.FindCollectionByNameOrId(schema.Wants)
		if err != nil {
			return err
		}
		wants.ListRule = rule(`(public = true && active = true && hidden = false) || owner = @request.auth.id`)
		wants.ViewRule = wants.ListRule
		if err := app.Save(wants); err != nil {
			return err
		}
		users, err := app.FindCollectionByNameOrId(schema.Users)
		if err != nil {
			return err
		}
		users.Fields.RemoveByName(schema.UserSuspendedUntil)
		users.AuthRule = rule("deleted = false")
		return app.Save(users)
	})
}
