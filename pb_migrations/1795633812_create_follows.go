package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates follows: who follows whom, seen by both people of the pair.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Follows)
		c.ListRule = rule("follower = @request.auth.id || followee = @request.auth.id")
		c.ViewRule = c.ListRule
		c.CreateRule = rule(`@request.auth.id != "" && follower = @request.auth.id && followee != @request.auth.id`)
		c.DeleteRule = rule("follower = @request.auth.id")

		if err := addRelations(app, c,
			&relationSpec{name: schema.FollowFollower, target: schema.Users, required: true, cascade: true},
			&relationSpec{name: schema.FollowFollowee, target: schema.Users, required: true, cascade: true, presentable: true},
		); err != nil {
			return err
		}
		addTimestamps(c)
		c.AddIndex("idx_follows_pair", true, "follower, followee", "")
		c.AddIndex("idx_follows_followee", false, "followee, created", "")
		return app.Save(c)
	}, dropCollection(schema.Follows))
}
