// Package changes lets an app that was offline catch up exactly: every
// change to a record that has parties (threads, messages, exchanges,
// matches, reviews, follows: see package audience) is written to a change
// log in the same transaction as the change itself, with the ids of the
// people it concerns, ordered by a sequence number taken inside the write
// transaction. GET /api/peerbase/sync answers what changed for the caller
// after a cursor, with the same visibility as the API rules.
//
// SQLite lets one writer at a time commit, and the sequence is taken inside
// that writer's transaction, so sequence order is commit order: once a
// reader sees sequence N committed, nothing at or below N can commit later.
// The log keeps one row per recipient and record, moved to the record's
// latest change (an upsert), so a page names each record once and a thread
// costs each participant one row however often it changes.
package changes

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/audience"
	"peerbase/hooks/schema"
)

// Config configures catch-up sync.
type Config struct {
	// Retention is how long a change stays in the log; a cursor older than
	// that gets a 410 (the app reloads everything).
	Retention time.Duration
	// DefaultLimit and MaxLimit bound the number of items of one answer.
	DefaultLimit, MaxLimit int
	// PruneSchedule is the cron expression of the pruning job.
	PruneSchedule string
}

// DefaultConfig returns the catch-up sync defaults.
func DefaultConfig() Config {
	return Config{Retention: 30 * 24 * time.Hour, DefaultLimit: 100, MaxLimit: 500, PruneSchedule: "41 * * * *"}
}

// Ids of the change log's model hooks: a benchmark unbinds them to measure
// the same writes without the log.
const (
	HookCreate = "peerbaseChangesCreate"
	HookUpdate = "peerbaseChangesUpdate"
	HookDelete = "peerbaseChangesDelete"
)

type service struct {
	cfg Config
	// dying holds the audience of each thread whose deletion is under way:
	// PocketBase deletes the thread's row before cascading to its messages,
	// so a message deleted in that cascade can no longer read its thread.
	dying sync.Map // thread id -> []string
}

// Register binds the change log's hooks, the sync route and the pruning job.
func Register(app core.App, cfg Config) error {
	if cfg.Retention <= 0 {
		return fmt.Errorf("changes: Retention must be positive, got %s", cfg.Retention)
	}
	if cfg.DefaultLimit < 1 || cfg.MaxLimit < cfg.DefaultLimit {
		return fmt.Errorf("changes: need 1 <= DefaultLimit <= MaxLimit, got %d and %d", cfg.DefaultLimit, cfg.MaxLimit)
	}
	s := &service{cfg: cfg}

	app.OnRecordCreate().Bind(&hook.Handler[*core.RecordEvent]{Id: HookCreate, Func: s.onCreate})
	app.OnRecordUpdate().Bind(&hook.Handler[*core.RecordEvent]{Id: HookUpdate, Func: s.onUpdate})
	app.OnRecordDelete().Bind(&hook.Handler[*core.RecordEvent]{Id: HookDelete, Func: s.onDelete})
	app.OnRecordDelete(schema.Users).BindFunc(forgetUser)

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/peerbase/sync", s.sync).Bind(apis.RequireAuth(schema.Users))
		return se.Next()
	})

	app.Cron().MustAdd("peerbaseChangesPrune", cfg.PruneSchedule, func() {
		if n, err := Prune(app, time.Now(), cfg.Retention); err != nil {
			app.Logger().Error("changes: failed to prune the change log", "error", err)
		} else if n > 0 {
			app.Logger().Info("changes: pruned the change log", "rows", n)
		}
	})
	return nil
}

// inTx runs fn in a transaction with e.App set to it, and gives e.App back
// afterwards: PocketBase's after-success hooks (realtime among them) run on
// e.App and do nothing on a finished transaction.
func inTx(e *core.RecordEvent, fn func(tx core.App) error) error {
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		return fn(tx)
	})
}

// onCreate logs a new record for its audience, as it is once saved (hooks
// inside the save may already have changed it, a review published at once).
func (s *service) onCreate(e *core.RecordEvent) error {
	if !audience.Tracked(e.Record.Collection().Name) {
		return e.Next()
	}
	return inTx(e, func(tx core.App) error {
		if err := e.Next(); err != nil {
			return err
		}
		to, err := audience.Of(tx, e.Record)
		if err != nil {
			return fmt.Errorf("failed to find who a new record concerns: %w", err)
		}
		return appendChange(tx, e.Record, schema.ActionCreate, to)
	})
}

// onUpdate logs a change for the people the record concerned before and
// the people it concerns after: someone who lost sight of it must hear
// so (sync reports it as a delete to them), someone who gained it too.
func (s *service) onUpdate(e *core.RecordEvent) error {
	if !audience.Tracked(e.Record.Collection().Name) {
		return e.Next()
	}
	return inTx(e, func(tx core.App) error {
		// the stored row, not e.Record.Original(): PocketBase does not
		// refresh the original after a save, so a record saved twice (created,
		// then published by a hook) would show its state before the first
		pk, _ := e.Record.LastSavedPK().(string)
		stored, err := tx.FindRecordById(e.Record.Collection(), pk)
		if err != nil {
			stored = e.Record.Original()
		}
		before, err := audience.Of(tx, stored)
		if err != nil {
			return fmt.Errorf("failed to find who a record concerned: %w", err)
		}
		if err := e.Next(); err != nil {
			return err
		}
		after, err := audience.Of(tx, e.Record)
		if err != nil {
			return fmt.Errorf("failed to find who a record concerns: %w", err)
		}
		return appendChange(tx, e.Record, schema.ActionUpdate, Union(before, after))
	})
}

// onDelete logs a deletion for the audience the record had while it
// existed, read before the row goes.
func (s *service) onDelete(e *core.RecordEvent) error {
	name := e.Record.Collection().Name
	if !audience.Tracked(name) {
		return e.Next()
	}
	return inTx(e, func(tx core.App) error {
		to, err := s.deletedAudience(tx, e.Record)
		if err != nil {
			return err
		}
		if name == schema.Threads {
			s.dying.Store(e.Record.Id, to)
			defer s.dying.Delete(e.Record.Id)
		}
		if err := e.Next(); err != nil {
			return err
		}
		return appendChange(tx, e.Record, schema.ActionDelete, to)
	})
}

// deletedAudience is audience.Of for a record about to be deleted; a
// message deleted along with its thread takes the thread's audience.
func (s *service) deletedAudience(app core.App, record *core.Record) ([]string, error) {
	if record.Collection().Name == schema.Messages {
		if to, ok := s.dying.Load(record.GetString(schema.MessageThread)); ok {
			return to.([]string), nil
		}
	}
	to, err := audience.Of(app, record)
	if err != nil {
		return nil, fmt.Errorf("failed to find who a deleted record concerned: %w", err)
	}
	return to, nil
}

// appendChange takes the next sequence number and moves each recipient's
// row of the record to it. It must run in the transaction of the change.
func appendChange(tx core.App, record *core.Record, action string, to []string) error {
	if len(to) == 0 {
		return nil
	}
	db := tx.NonconcurrentDB()
	var seq int64
	if err := db.NewQuery("UPDATE " + schema.ChangeSeqTable + " SET seq = seq + 1 WHERE id = 1 RETURNING seq").Row(&seq); err != nil {
		return fmt.Errorf("failed to take a change sequence number: %w", err)
	}
	params := dbx.Params{
		"seq": seq, "coll": record.Collection().Name, "id": record.Id, "action": action,
		"at": types.NowDateTime().String(),
	}
	values := make([]string, len(to))
	for i, r := range to {
		key := "r" + strconv.Itoa(i)
		params[key] = r
		values[i] = "({:" + key + "}, {:seq}, {:coll}, {:id}, {:action}, {:at})"
	}
	_, err := db.NewQuery("INSERT INTO " + schema.ChangeLog + " (recipient, seq, record_collection, record_id, action, at) VALUES " +
		strings.Join(values, ", ") +
		" ON CONFLICT (recipient, record_collection, record_id) DO UPDATE SET seq = excluded.seq, action = excluded.action, at = excluded.at").
		Bind(params).Execute()
	if err != nil {
		return fmt.Errorf("failed to write the change log: %w", err)
	}
	return nil
}

// forgetUser drops a deleted user's log in the deletion's transaction
// (after the cascade, which logs the deletions of their threads for them
// too): nobody can ask for it any more.
func forgetUser(e *core.RecordEvent) error {
	return inTx(e, func(tx core.App) error {
		if err := e.Next(); err != nil {
			return err
		}
		_, err := tx.NonconcurrentDB().NewQuery("DELETE FROM " + schema.ChangeLog + " WHERE recipient = {:id}").
			Bind(dbx.Params{"id": e.Record.Id}).Execute()
		if err != nil {
			return fmt.Errorf("failed to drop the deleted user's change log: %w", err)
		}
		return nil
	})
}

// Prune drops the changes older than retention at now and raises the floor
// below which cursors are refused with a 410. It cuts at a sequence number,
// not a time, so every row at or below the floor is gone and every row
// above it is kept: a cursor at or above the floor misses nothing. It
// returns how many rows it dropped.
func Prune(app core.App, now time.Time, retention time.Duration) (int64, error) {
	cutoff, err := types.ParseDateTime(now.Add(-retention))
	if err != nil {
		return 0, err
	}
	var dropped int64
	err = app.RunInTransaction(func(tx core.App) error {
		db := tx.NonconcurrentDB()
		st, err := readState(db)
		if err != nil {
			return err
		}
		// the floor is the newest row that goes (the rows older than the
		// cutoff, up to the oldest one kept): not the sequence just below
		// the oldest kept, which a compacted log may have skipped after a
		// cursor that missed nothing
		var oldestKept []int64
		err = db.NewQuery("SELECT seq FROM " + schema.ChangeLog + " WHERE at >= {:cutoff} ORDER BY seq LIMIT 1").
			Bind(dbx.Params{"cutoff": cutoff.String()}).Column(&oldestKept)
		if err != nil {
			return fmt.Errorf("failed to find the oldest change kept: %w", err)
		}
		below := "SELECT COALESCE(MAX(seq), 0) FROM " + schema.ChangeLog
		params := dbx.Params{}
		if len(oldestKept) > 0 {
			below += " WHERE seq < {:kept}"
			params["kept"] = oldestKept[0]
		}
		var floor int64
		if err := db.NewQuery(below).Bind(params).Row(&floor); err != nil {
			return fmt.Errorf("failed to find the newest change dropped: %w", err)
		}
		if floor <= st.Floor {
			return nil
		}
		res, err := db.NewQuery("DELETE FROM " + schema.ChangeLog + " WHERE seq <= {:floor}").
			Bind(dbx.Params{"floor": floor}).Execute()
		if err != nil {
			return fmt.Errorf("failed to drop old changes: %w", err)
		}
		dropped, _ = res.RowsAffected()
		// the floor only rises: a later cutoff never makes a refused cursor good
		_, err = db.NewQuery("UPDATE " + schema.ChangeSeqTable + " SET floor = {:floor} WHERE id = 1").
			Bind(dbx.Params{"floor": floor}).Execute()
		return err
	})
	return dropped, err
}

// state is the one row of the sequence table.
type state struct {
	// Seq is the last sequence number handed out (the head of the log).
	Seq int64 `db:"seq"`
	// Floor is the highest sequence number pruned: cursors below it may
	// have missed a change that is gone.
	Floor int64 `db:"floor"`
}

// readState reads the head and floor of the log.
func readState(db dbx.Builder) (state, error) {
	var st state
	if err := db.NewQuery("SELECT seq, floor FROM " + schema.ChangeSeqTable + " WHERE id = 1").One(&st); err != nil {
		return st, fmt.Errorf("failed to read the change sequence: %w", err)
	}
	return st, nil
}
