package moderation_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"

	"peerbase/hooks"
	"peerbase/hooks/moderation"
	"peerbase/hooks/schema"
)

// The threshold hides an offer or a want on the third distinct reporter,
// whatever the order the reports come in, and tells the owner.
func TestThresholdHides(t *testing.T) {
	t.Parallel()
	orders := [][]string{{"r1", "r2", "r3"}, {"r3", "r1", "r2"}, {"r2", "r3", "r1"}}
	for _, coll := range []string{schema.Offers, schema.Wants} {
		for _, order := range orders {
			t.Run(fmt.Sprint(coll, order), func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, nil)
				id := ids["offer"]
				if coll == schema.Wants {
					id = ids["want"]
				}
				for i, who := range order {
					if !e.visible("sam", coll, id) {
						t.Fatalf("hidden after %d reports", i)
					}
					e.mustReport(who, coll, id)
				}
				if e.visible("sam", coll, id) || e.visible("", coll, id) {
					t.Fatal("still visible to others after 3 distinct reporters")
				}
				if !e.visible("olga", coll, id) {
					t.Fatal("the owner no longer sees it")
				}
				r := e.record(coll, id)
				if coll == schema.Offers && r.GetString(schema.FieldStatus) != schema.StatusHidden {
					t.Fatalf("status = %q", r.GetString(schema.FieldStatus))
				}
				if coll == schema.Wants && !r.GetBool(schema.WantHidden) {
					t.Fatal("want not flagged hidden")
				}
				logs := e.logs(coll, id)
				if len(logs) != 1 || logs[0].GetString(schema.ModAction) != schema.ModHide ||
					logs[0].GetString(schema.ModActor) != moderation.ActorThreshold {
					t.Fatalf("log = %v", logs)
				}
				if n := len(e.notifications("olga", schema.NotifyModeration)); n != 1 {
					t.Fatalf("owner told %d times", n)
				}
				// the owner can't undo it
				body := map[string]any{schema.FieldStatus: schema.StatusActive}
				if coll == schema.Wants {
					body = map[string]any{schema.WantActive: true, schema.WantPublic: true}
				}
				code, _ := e.call(http.MethodPatch, "/api/collections/"+coll+"/records/"+id, "olga", body)
				if coll == schema.Offers && code == 200 {
					t.Fatal("the owner un-hid the offer")
				}
				code, _ = e.call(http.MethodPatch, "/api/collections/"+coll+"/records/"+id, "olga", map[string]any{"hidden": false})
				if code != 400 {
					t.Fatalf("the owner wrote the moderation flag: %d", code)
				}
				if e.visible("sam", coll, id) {
					t.Fatal("visible again after the owner's edits")
				}
			})
		}
	}
}

// One person counts once: a second open report of the same target is
// refused, two people never reach the threshold of three, and a person may
// report again once their report is resolved.
func TestRepeatedReporters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	off := ids["offer"]
	first := e.mustReport("r1", schema.Offers, off)
	if code, body := e.report("r1", schema.Offers, off); code != 400 {
		t.Fatalf("second open report by the same person: %d %v", code, body)
	}
	e.mustReport("r2", schema.Offers, off)
	if !e.visible("sam", schema.Offers, off) {
		t.Fatal("hidden by two people")
	}
	// the moderator dismisses: every open report closes
	code, body := e.call(http.MethodPatch, "/api/collections/reports/records/"+first, "mod",
		map[string]any{schema.ReportAction: schema.ModDismiss, schema.ReportResolution: "not spam"})
	if code != 200 {
		t.Fatalf("dismiss: %d %v", code, body)
	}
	if n := e.openReports(schema.Offers, off); n != 0 {
		t.Fatalf("%d reports still open", n)
	}
	// the count starts again: r1 and r2 may report again, two are not three
	e.mustReport("r1", schema.Offers, off)
	e.mustReport("r2", schema.Offers, off)
	if !e.visible("sam", schema.Offers, off) {
		t.Fatal("hidden by two people after a dismissal")
	}
	e.mustReport("r3", schema.Offers, off)
	if e.visible("sam", schema.Offers, off) {
		t.Fatal("not hidden by three people")
	}
}

// Each resolution does what it says to the target, closes every open report
// of it and writes a moderation_log entry with who and why.
func TestResolutions(t *testing.T) {
	t.Parallel()
	type check func(t *testing.T, e *env)
	cases := []struct {
		action, coll string
		threshold    bool // let three reports hide it first
		status       string
		effect       check
	}{
		{schema.ModDismiss, schema.Offers, true, schema.ReportDismissed, func(t *testing.T, e *env) {
			if !e.visible("sam", schema.Offers, ids["offer"]) {
				t.Error("a dismissal didn't bring back what the threshold hid")
			}
		}},
		{schema.ModHide, schema.Offers, false, schema.ReportResolved, func(t *testing.T, e *env) {
			if e.visible("sam", schema.Offers, ids["offer"]) {
				t.Error("still visible")
			}
			if s := e.record(schema.Offers, ids["offer"]).GetString(schema.FieldStatus); s != schema.StatusHidden {
				t.Errorf("status %q", s)
			}
		}},
		{schema.ModUnhide, schema.Wants, true, schema.ReportResolved, func(t *testing.T, e *env) {
			if !e.visible("sam", schema.Wants, ids["want"]) {
				t.Error("still hidden")
			}
		}},
		{schema.ModUnhide, schema.Offers, true, schema.ReportResolved, func(t *testing.T, e *env) {
			if s := e.record(schema.Offers, ids["offer"]).GetString(schema.FieldStatus); s != schema.StatusActive {
				t.Errorf("status %q, want the one before hiding", s)
			}
		}},
		{schema.ModDelete, schema.Offers, false, schema.ReportResolved, func(t *testing.T, e *env) {
			if _, err := e.app.FindRecordById(schema.Offers, ids["offer"]); err == nil {
				t.Error("not deleted")
			}
		}},
		{schema.ModDelete, schema.Messages, false, schema.ReportResolved, func(t *testing.T, e *env) {
			if _, err := e.app.FindRecordById(schema.Messages, ids["message"]); err == nil {
				t.Error("not deleted")
			}
		}},
		{schema.ModWarn, schema.Offers, false, schema.ReportResolved, func(t *testing.T, e *env) {
			ns := e.notifications("olga", schema.NotifyModeration)
			if len(ns) != 1 || ns[0].GetString(schema.NotificationText) == "" {
				t.Errorf("warnings: %v", ns)
			}
			if !e.visible("sam", schema.Offers, ids["offer"]) {
				t.Error("a warning hid the offer")
			}
		}},
		{schema.ModBan, schema.Users, false, schema.ReportResolved, func(t *testing.T, e *env) {
			if !moderation.Suspended(e.record(schema.Users, ids["olga"]), e.now) {
				t.Error("not suspended")
			}
			if e.visible("sam", schema.Offers, ids["offer"]) {
				t.Error("a banned person's offer is still visible")
			}
			if code, _ := e.call(http.MethodPost, "/api/collections/users/auth-refresh", "olga", nil); code != 401 {
				t.Errorf("the banned person's token still works: %d", code)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.action+" "+c.coll, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			id := map[string]string{schema.Offers: ids["offer"], schema.Wants: ids["want"],
				schema.Messages: ids["message"], schema.Users: ids["olga"]}[c.coll]
			reporters := []string{"r1"}
			if c.threshold {
				reporters = []string{"r1", "r2", "r3"}
			}
			if c.coll == schema.Messages {
				reporters = []string{"sam"} // only a participant sees the message
			}
			var reps []string
			for _, who := range reporters {
				reps = append(reps, e.mustReport(who, c.coll, id))
			}
			before := len(e.logs(c.coll, id))
			code, body := e.call(http.MethodPatch, "/api/collections/reports/records/"+reps[len(reps)-1], "mod",
				map[string]any{schema.ReportAction: c.action, schema.ReportResolution: "checked by hand"})
			if code != 200 {
				t.Fatalf("resolve: %d %v", code, body)
			}
			for _, rid := range reps {
				r := e.record(schema.Reports, rid)
				if r.GetString(schema.ReportStatus) != c.status || r.GetString(schema.ReportAction) != c.action ||
					r.GetString(schema.ReportResolvedBy) != "mod@test.peerbase.local" {
					t.Errorf("report %s: status %q action %q by %q", rid, r.GetString(schema.ReportStatus),
						r.GetString(schema.ReportAction), r.GetString(schema.ReportResolvedBy))
				}
			}
			logs := e.logs(c.coll, id)
			if len(logs) != before+1 {
				t.Fatalf("%d log entries, want %d", len(logs), before+1)
			}
			l := logs[len(logs)-1]
			if l.GetString(schema.ModAction) != c.action || l.GetString(schema.ModActor) != "mod@test.peerbase.local" ||
				l.GetString(schema.ModNote) != "checked by hand" {
				t.Errorf("log: %s by %s: %s", l.GetString(schema.ModAction), l.GetString(schema.ModActor), l.GetString(schema.ModNote))
			}
			c.effect(t, e)
			// the report is closed: its action can't change
			other := schema.ModWarn
			if c.action == other {
				other = schema.ModDismiss
			}
			code, _ = e.call(http.MethodPatch, "/api/collections/reports/records/"+reps[0], "mod",
				map[string]any{schema.ReportAction: other})
			if code != 400 {
				t.Errorf("re-resolving a closed report: %d", code)
			}
		})
	}
}

// Forbidden paths of resolution: nobody but a superuser resolves, an action
// that doesn't fit the target is refused and changes nothing.
func TestResolutionRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	rep := e.mustReport("r1", schema.Users, ids["olga"])
	for _, who := range []string{"", "r1", "olga"} {
		code, _ := e.call(http.MethodPatch, "/api/collections/reports/records/"+rep, who,
			map[string]any{schema.ReportAction: schema.ModDismiss})
		if code == 200 {
			t.Errorf("%q resolved a report", who)
		}
	}
	code, body := e.call(http.MethodPatch, "/api/collections/reports/records/"+rep, "mod",
		map[string]any{schema.ReportAction: schema.ModHide})
	if code != 400 || fmt.Sprint(body["data"]) == "map[]" {
		t.Fatalf("hiding a person: %d %v", code, body)
	}
	if e.record(schema.Reports, rep).GetString(schema.ReportStatus) != schema.ReportOpen || len(e.logs(schema.Users, ids["olga"])) != 0 {
		t.Fatal("a refused resolution changed something")
	}
}

// The moderation queue groups open reports by target, newest first, for
// superusers only.
func TestModerationQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *hooks.Config) { c.Moderation.ReportThreshold = 0 })
	e.mustReport("r1", schema.Offers, ids["offer"])
	e.mustReport("r2", schema.Offers, ids["offer"])
	e.mustReport("r1", schema.Users, ids["olga"])
	// the three reports may share a millisecond: the offer's are made older
	// so that "newest first" has one answer
	if _, err := e.app.DB().NewQuery("UPDATE {{" + schema.Reports + "}} SET [[created]] = '2026-01-01 00:00:00.000Z' " +
		"WHERE [[" + schema.ReportTargetColl + "]] = {:c}").Bind(dbx.Params{"c": schema.Offers}).Execute(); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"", "r1", "olga"} {
		if code, _ := e.call(http.MethodGet, "/api/collections/moderation_queue/records", who, nil); code != 403 {
			t.Errorf("%q listed the queue: %d", who, code)
		}
	}
	code, body := e.call(http.MethodGet, "/api/collections/moderation_queue/records", "mod", nil)
	if code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	items := body["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("%d rows: %v", len(items), items)
	}
	first, second := items[0].(map[string]any), items[1].(map[string]any)
	if first["target_collection"] != schema.Users || second["target_id"] != ids["offer"] {
		t.Fatalf("not newest first: %v", items)
	}
	if second["reports"].(float64) != 2 || second["reporters"].(float64) != 2 {
		t.Errorf("counts: %v", second)
	}
	if fmt.Sprint(second["reasons"]) != "[spam]" {
		t.Errorf("reasons: %v", second["reasons"])
	}
	snap, _ := second["snapshot"].(map[string]any)
	if snap["title"] != "Red bike" {
		t.Errorf("snapshot: %v", second["snapshot"])
	}
	// view: superusers only, like the list
	row := "/api/collections/moderation_queue/records/" + second["id"].(string)
	for who, want := range map[string]int{"": 403, "r1": 403, "olga": 403, "mod": 200} {
		if code, _ := e.call(http.MethodGet, row, who, nil); code != want {
			t.Errorf("view by %q: %d, want %d", who, code, want)
		}
	}
	// read-only, for everyone
	for _, who := range []string{"", "r1", "olga", "mod"} {
		if code, _ := e.call(http.MethodPost, "/api/collections/moderation_queue/records", who, map[string]any{}); code < 400 {
			t.Errorf("%q created a queue row: %d", who, code)
		}
		if code, _ := e.call(http.MethodPatch, row, who, map[string]any{"reports": 0}); code < 400 {
			t.Errorf("%q updated a queue row: %d", who, code)
		}
		if code, _ := e.call(http.MethodDelete, row, who, nil); code < 400 {
			t.Errorf("%q deleted a queue row: %d", who, code)
		}
	}
	if n := e.openReports(schema.Offers, ids["offer"]); n != 2 {
		t.Errorf("the queue's writes touched the reports: %d open", n)
	}
	// a resolution empties the target's row
	code, body = e.call(http.MethodPatch, "/api/collections/reports/records/"+second["id"].(string), "mod",
		map[string]any{schema.ReportAction: schema.ModDismiss})
	if code != 200 {
		t.Fatalf("dismiss: %d %v", code, body)
	}
	if code, body := e.call(http.MethodGet, "/api/collections/moderation_queue/records", "mod", nil); code != 200 || len(body["items"].([]any)) != 1 {
		t.Errorf("after a resolution: %d %v", code, body)
	}
}
