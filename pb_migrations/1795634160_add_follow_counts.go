package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Adds follower and following counts to users (written only by the social
// hooks, shown on profiles), fills them from the follows that exist, and
// indexes follows by follower and date for the following feed and lists.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId(schema.Users)
		if err != nil {
			return err
		}
		users.Fields.Add(
			&core.NumberField{Name: schema.UserFollowersCount, Min: float(0), OnlyInt: true, Help: "how many people follow this user; written by hooks"},
			&core.NumberField{Name: schema.UserFollowingCount, Min: float(0), OnlyInt: true, Help: "how many people this user follows; written by hooks"},
		)
		if err := app.Save(users); err != nil {
			return err
		}
		_, err = app.DB().NewQuery("UPDATE {{" + schema.Users + "}} SET " +
			"[[" + schema.UserFollowersCount + "]] = (SELECT COUNT(*) FROM {{" + schema.Follows + "}} f WHERE f.[[" + schema.FollowFollowee + "]] = {{" + schema.Users + "}}.[[id]]), " +
			"[[" + schema.UserFollowingCount + "]] = (SELECT COUNT(*) FROM {{" + schema.Follows + "}} f WHERE f.[[" + schema.FollowFollower + "]] = {{" + schema.Users + "}}.[[id]])").Execute()
		return err
	}, func(app core.App) error {
		users, err := app.FindCollectionByNameOrId(schema.Users)
		if err != nil {
			return err
		}
		users.Fields.RemoveByName(schema.UserFollowersCount)
		users.Fields.RemoveByName(schema.UserFollowingCount)
		return app.Save(users)
	})
}
