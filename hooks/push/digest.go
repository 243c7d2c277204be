package push

import (
	"fmt"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
)

func init() {
	notify.Define("push.digest", map[string]notify.Text{
		"en": {Title: "New matches for your saved searches", Body: "{count} new offers match what you are looking for."},
		"fr": {Title: "Nouvelles offres pour vos recherches", Body: "{count} nouvelles offres correspondent à ce que vous cherchez."},
	})
}

// SendDigests writes the daily digest of everyone due one at now: a
// person with wants in daily mode gets, once per local day from hour
// o'clock in their time zone, a notifications record of type digest
// counting the unseen matches of those wants since their previous digest
// (or the last day), when there are any; the notification's push follows
// from it. It returns how many people got one.
func SendDigests(app core.App, now time.Time, hour int) (int, error) {
	var owners []string
	err := app.DB().Select("DISTINCT [[" + schema.FieldOwner + "]]").From(schema.Wants).
		Where(dbx.HashExp{schema.WantAlert: "daily", schema.WantActive: true}).Column(&owners)
	if err != nil {
		return 0, fmt.Errorf("failed to list the people with daily wants: %w", err)
	}
	sent := 0
	for _, owner := range owners {
		ok, err := sendDigest(app, owner, now, hour)
		if err != nil {
			app.Logger().Error("push: failed to send a daily digest", "user", owner, "error", err)
			continue
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

func sendDigest(app core.App, userID string, now time.Time, hour int) (bool, error) {
	user, err := app.FindRecordById(schema.Users, userID)
	if err != nil || user.GetBool(schema.UserDeleted) {
		return false, nil
	}
	loc := time.UTC
	if l, err := time.LoadLocation(user.GetString(schema.UserTimezone)); err == nil {
		loc = l
	}
	local := now.In(loc)
	if local.Hour() < hour {
		return false, nil
	}
	y, m, d := local.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, loc)
	var last struct {
		At string `db:"at"`
	}
	err = app.DB().NewQuery("SELECT COALESCE(MAX([[created]]), '') AS [[at]] FROM {{" + schema.Notifications +
		"}} WHERE [[user]] = {:u} AND [[type]] = {:t}").
		Bind(dbx.Params{"u": userID, "t": schema.NotifyDigest}).One(&last)
	if err != nil {
		return false, err
	}
	since := now.Add(-24 * time.Hour)
	if last.At != "" {
		t, err := time.Parse("2006-01-02 15:04:05.000Z", last.At)
		if err == nil {
			if !t.Before(midnight) {
				return false, nil // today's is out
			}
			since = t
		}
	}
	var count int
	err = app.DB().NewQuery("SELECT COUNT(*) FROM {{" + schema.Matches + "}} m JOIN {{" + schema.Wants +
		"}} w ON w.[[id]] = m.[[want]] WHERE m.[[recipient]] = {:u} AND w.[[owner]] = {:u} AND w.[[alert]] = 'daily' " +
		"AND m.[[seen]] = FALSE AND m.[[created]] > {:since}").
		Bind(dbx.Params{"u": userID, "since": dateString(since)}).Row(&count)
	if err != nil {
		return false, err
	}
	if count == 0 {
		return false, nil
	}
	err = app.RunInTransaction(func(tx core.App) error {
		_, err := notify.Send(tx, notify.Notification{
			User: userID, Type: schema.NotifyDigest, Key: "push.digest",
			Args: map[string]string{"count": strconv.Itoa(count)}, Link: "/matches",
			Data: map[string]any{"count": count},
		})
		return err
	})
	return err == nil, err
}
