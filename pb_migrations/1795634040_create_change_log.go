package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates change_log, the catch-up sync log (hooks/changes): one row per
// recipient and record at the record's latest change, keyed for "what
// changed for this user after seq N"; superusers only (apps read it through
// GET /api/peerbase/sync). Also creates the one-row sequence table: the
// sequence must survive pruning, so it cannot be MAX(seq) of the log.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.ChangeLog)
		c.Fields.Add(
			&core.TextField{Name: schema.ChangeRecipient, Required: true, Max: 64, Presentable: true},
			&core.NumberField{Name: schema.ChangeSeq, Required: true, OnlyInt: true, Min: float(1)},
			&core.TextField{Name: schema.ChangeCollection, Required: true, Max: 64},
			&core.TextField{Name: schema.ChangeRecordID, Required: true, Max: 64},
			&core.SelectField{Name: schema.ChangeAction, Required: true, MaxSelect: 1, Values: schema.ChangeActions},
			&core.DateField{Name: schema.ChangeAt, Required: true},
		)
		// the upsert target: a record is in a recipient's log once
		c.AddIndex("idx_change_log_record", true, "recipient, record_collection, record_id", "")
		// the sync query: WHERE recipient = ? AND seq > ? ORDER BY seq LIMIT ?
		c.AddIndex("idx_change_log_feed", false, "recipient, seq", "")
		// pruning walks the oldest rows first
		c.AddIndex("idx_change_log_seq", false, "seq", "")
		if err := app.Save(c); err != nil {
			return err
		}
		_, err := app.DB().NewQuery(`CREATE TABLE ` + schema.ChangeSeqTable + ` (
			id    INTEGER PRIMARY KEY CHECK (id = 1),
			seq   INTEGER NOT NULL,
			floor INTEGER NOT NULL
		)`).Execute()
		if err != nil {
			return err
		}
		_, err = app.DB().NewQuery(`INSERT INTO ` + schema.ChangeSeqTable + ` (id, seq, floor) VALUES (1, 0, 0)`).Execute()
		return err
	}, func(app core.App) error {
		if _, err := app.DB().NewQuery(`DROP TABLE IF EXISTS ` + schema.ChangeSeqTable).Execute(); err != nil {
			return err
		}
		return dropCollection(schema.ChangeLog)(app)
	})
}
