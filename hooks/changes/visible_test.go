package changes_test

import (
	"slices"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/changes"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// TestFindVisibleAgreesWithCanAccessRecord: the page-at-once visibility
// check answers exactly what CanAccessRecord answers record by record, for
// every tracked collection and every kind of caller.
func TestFindVisibleAgreesWithCanAccessRecord(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	// an unpublished review, a published pair, a match and a follow
	for _, who := range []string{"peer", "owner"} {
		if _, err := testapp.CreateRecord(app, schema.Reviews, map[string]any{schema.ReviewExchange: ids["exchange"],
			schema.ReviewAuthor: ids[who], schema.ReviewRating: 4}); err != nil {
			t.Fatal(err)
		}
	}
	offer2, err := testapp.CreateRecord(app, schema.Offers, map[string]any{schema.OfferTitle: "Ladder",
		schema.FieldOwner: ids["peer"], schema.FieldKind: schema.KindGive, schema.FieldStatus: schema.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	ex2, err := testapp.CreateRecord(app, schema.Exchanges, map[string]any{schema.ExchangeOffer: offer2.Id, schema.ExchangeRequester: ids["owner"]})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB().NewQuery("UPDATE exchanges SET state = 'completed' WHERE id = {:id}").Bind(map[string]any{"id": ex2.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := testapp.CreateRecord(app, schema.Reviews, map[string]any{schema.ReviewExchange: ex2.Id,
		schema.ReviewAuthor: ids["owner"], schema.ReviewRating: 2}); err != nil {
		t.Fatal(err)
	}
	for _, data := range []struct {
		coll string
		data map[string]any
	}{
		{schema.Matches, map[string]any{schema.MatchRecipient: ids["peer"], schema.FieldKind: "want", schema.MatchOffer: ids["offer"]}},
		{schema.Follows, map[string]any{schema.FollowFollower: ids["stranger"], schema.FollowFollowee: ids["owner"]}},
	} {
		if _, err := testapp.CreateRecord(app, data.coll, data.data); err != nil {
			t.Fatal(err)
		}
	}
	super, err := testapp.CreateSuperuser(app, "root@test.peerbase.local")
	if err != nil {
		t.Fatal(err)
	}

	callers := map[string]*core.RequestInfo{"superuser": {Auth: super}}
	for _, who := range []string{"owner", "peer", "stranger"} {
		callers[who] = &core.RequestInfo{Auth: mustFind(t, app, schema.Users, ids[who])}
	}
	for _, name := range []string{schema.Threads, schema.Messages, schema.Exchanges, schema.Matches, schema.Reviews, schema.Follows} {
		coll, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			t.Fatal(err)
		}
		all, err := app.FindAllRecords(coll)
		if err != nil || len(all) == 0 {
			t.Fatalf("%s: %d records (%v)", name, len(all), err)
		}
		recordIDs := make([]string, len(all))
		for i, r := range all {
			recordIDs[i] = r.Id
		}
		for who, info := range callers {
			var want []string
			for _, r := range all {
				ok, err := app.CanAccessRecord(r, info, coll.ViewRule)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					want = append(want, r.Id)
				}
			}
			found, err := changes.FindVisible(app, coll, info, recordIDs)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range found {
				got = append(got, r.Id)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s, %s: FindVisible %v, CanAccessRecord %v", name, who, got, want)
			}
		}
	}
}
