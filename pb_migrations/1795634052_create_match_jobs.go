package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates match_jobs, the durable queue of offers waiting to be matched: a
// row is written in the offer's own transaction and deleted once its
// matches are written, so a crash in between loses nothing. Superusers
// only. One row per offer; rev counts the offer's changes since.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.MatchJobs)
		if err := addRelations(app, c,
			&relationSpec{name: schema.MatchJobOffer, target: schema.Offers, required: true, cascade: true, presentable: true},
		); err != nil {
			return err
		}
		c.Fields.Add(
			&core.NumberField{Name: schema.MatchJobRev, OnlyInt: true},
			&core.NumberField{Name: schema.MatchJobTries, OnlyInt: true},
			&core.TextField{Name: schema.MatchJobError, Max: 1000},
		)
		addTimestamps(c)
		c.AddIndex("idx_match_jobs_offer", true, "offer", "")
		c.AddIndex("idx_match_jobs_updated", false, "updated", "")
		return app.Save(c)
	}, dropCollection(schema.MatchJobs))
}
