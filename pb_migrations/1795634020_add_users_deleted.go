package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Marks the placeholder accounts that stand in for deleted people (see
// hooks/accounts): a "deleted" flag written only by hooks, an auth rule that
// never lets a placeholder sign in (whatever its password), and a list rule
// that leaves placeholders out of every users list. The view rule stays
// open, so a thread or review still expands its other side as "Deleted user".
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId(schema.Users)
		if err != nil {
			return err
		}
		users.Fields.Add(&core.BoolField{Name: schema.UserDeleted,
			Help: "a placeholder standing in for a deleted account in other people's history; it can't sign in; written by hooks"})
		users.AuthRule = rule(schema.UserDeleted + " = false")
		users.ListRule = rule(`@request.auth.id != "" && ` + schema.UserDeleted + " = false")
		return app.Save(users)
	}, func(app core.App) error {
		users, err := app.FindCollectionByNameOrId(schema.Users)
		if err != nil {
			return err
		}
		users.Fields.RemoveByName(schema.UserDeleted)
		users.AuthRule = rule("")
		users.ListRule = rule(`@request.auth.id != ""`)
		return app.Save(users)
	})
}
