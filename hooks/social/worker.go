package social

import (
	"fmt"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
)

// worker tells followers of new offers: one goroutine for the whole app
// (a bounded cost however many offers are published at once) that drains
// the follow jobs table, a page of followers per transaction. A job row is
// written in the offer's own transaction and deleted once every follower
// was told, so a crash leaves it to be resumed at start (a follower of a
// page told before the crash may then be told twice, never not at all).
type worker struct {
	app  core.App
	cfg  Config
	wake chan struct{}
	stop chan struct{}
	once sync.Once
	done sync.WaitGroup
}

func newWorker(app core.App, cfg Config) *worker {
	return &worker{app: app, cfg: cfg, wake: make(chan struct{}, 1), stop: make(chan struct{})}
}

func (w *worker) start() {
	w.once.Do(func() {
		w.done.Add(1)
		go w.loop()
	})
}

func (w *worker) shutdown() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	w.done.Wait()
}

// nudgeOn wakes the worker after an active offer's save committed (the
// save may have queued a job; the worker looks).
func (w *worker) nudgeOn(e *core.RecordEvent) error {
	if e.Record.GetString(schema.FieldStatus) == schema.StatusActive {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	return e.Next()
}

func (w *worker) loop() {
	defer w.done.Done()
	tick := time.NewTicker(w.cfg.PollInterval)
	defer tick.Stop()
	for {
		if err := w.drain(); err != nil {
			w.app.Logger().Error("social: failed to tell followers of new offers", "error", err)
		}
		select {
		case <-w.stop:
			return
		case <-w.wake:
		case <-tick.C:
		}
	}
}

// drain works through the pending jobs, oldest first, until none is left
// or the app stops.
func (w *worker) drain() error {
	for {
		var offers []string
		err := w.app.DB().Select("offer").From(schema.FollowJobsTable).OrderBy("created", "offer").Limit(50).Column(&offers)
		if err != nil {
			return fmt.Errorf("failed to read the follow jobs: %w", err)
		}
		if len(offers) == 0 {
			return nil
		}
		for _, id := range offers {
			select {
			case <-w.stop:
				return nil
			default:
			}
			if err := TellFollowers(w.app, id, w.cfg.FanoutPage); err != nil {
				return err
			}
		}
	}
}

// enqueueFollowJob writes the job of telling the owner's followers of a
// new offer, through app (the offer's transaction), if the owner has any.
func enqueueFollowJob(app core.App, offerID, owner string) error {
	_, err := app.DB().NewQuery("INSERT INTO {{" + schema.FollowJobsTable + "}} ([[offer]], [[created]]) " +
		"SELECT {:offer}, {:now} WHERE EXISTS (SELECT 1 FROM {{" + schema.Follows + "}} WHERE [[" + schema.FollowFollowee + "]] = {:owner}) " +
		"ON CONFLICT([[offer]]) DO NOTHING").
		Bind(dbx.Params{"offer": offerID, "owner": owner, "now": types.NowDateTime().String()}).Execute()
	if err != nil {
		return fmt.Errorf("failed to queue the followers of offer %s: %w", offerID, err)
	}
	return nil
}

// TellFollowers writes a follow notification for every follower of the
// offer's owner, page transactions of page followers, then deletes the
// offer's job. An offer that is gone or no longer active by then tells
// nobody.
func TellFollowers(app core.App, offerID string, page int) error {
	offer, err := app.FindRecordById(schema.Offers, offerID)
	if err == nil && offer.GetString(schema.FieldStatus) == schema.StatusActive {
		owner := offer.GetString(schema.FieldOwner)
		name := notify.PersonName(app, owner)
		last := ""
		for {
			var rows []struct {
				ID       string `db:"id"`
				Follower string `db:"follower"`
			}
			err := app.DB().Select("id", schema.FollowFollower).From(schema.Follows).
				Where(dbx.HashExp{schema.FollowFollowee: owner}).AndWhere(dbx.NewExp("[[id]] > {:last}", dbx.Params{"last": last})).
				OrderBy("id").Limit(int64(page)).All(&rows)
			if err != nil {
				return fmt.Errorf("failed to read the followers of %s: %w", owner, err)
			}
			if len(rows) == 0 {
				break
			}
			err = app.RunInTransaction(func(tx core.App) error {
				for _, r := range rows {
					_, err := notify.Send(tx, notify.Notification{
						User: r.Follower, Type: schema.NotifyFollow, Key: msgFollowedOffer,
						Args: map[string]string{"name": name, "title": offer.GetString(schema.OfferTitle)},
						Link: "/offers/" + offer.Id,
						Data: map[string]any{"offer": offer.Id, "owner": owner},
					})
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("failed to tell the followers of offer %s: %w", offerID, err)
			}
			last = rows[len(rows)-1].ID
			if len(rows) < page {
				break
			}
		}
	}
	_, err = app.DB().Delete(schema.FollowJobsTable, dbx.HashExp{"offer": offerID}).Execute()
	if err != nil {
		return fmt.Errorf("failed to finish the follow job of offer %s: %w", offerID, err)
	}
	return nil
}
