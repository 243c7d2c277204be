package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates moderation_log: what moderators and automatic rules did, and why.
// Superusers only.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.ModerationLog)
		c.Fields.Add(
			&core.SelectField{Name: schema.ModAction, Required: true, MaxSelect: 1, Values: schema.ModerationActions, Presentable: true},
			&core.TextField{Name: schema.ModTargetColl, Required: true, Max: 64},
			&core.TextField{Name: schema.ModTargetID, Required: true, Max: 15},
			&core.TextField{Name: schema.ModActor, Max: 64, Help: "superuser email, or system:<rule> for automatic actions"},
			&core.TextField{Name: schema.ModNote, Max: 2000},
			&core.JSONField{Name: schema.ModData, MaxSize: 64 << 10},
		)
		addTimestamps(c)
		c.AddIndex("idx_moderation_log_target", false, "target_collection, target_id", "")
		c.AddIndex("idx_moderation_log_created", false, "created", "")
		return app.Save(c)
	}, dropCollection(schema.ModerationLog))
}
