package audience_test

import (
	"slices"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/audience"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

func TestOf(t *testing.T) {
	app := testapp.New(t)
	ids := map[string]string{}
	if err := testapp.CreateUsers(app, ids, map[string]string{}, "owner", "peer"); err != nil {
		t.Fatal(err)
	}
	offer, err := testapp.CreateRecord(app, schema.Offers, map[string]any{schema.OfferTitle: "Drill",
		schema.FieldOwner: ids["owner"], schema.FieldKind: schema.KindLend, schema.FieldStatus: schema.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	thread, err := testapp.CreateRecord(app, schema.Threads, map[string]any{schema.ThreadOffer: offer.Id, schema.ThreadPeer: ids["peer"]})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := testapp.CreateRecord(app, schema.Messages, map[string]any{schema.MessageThread: thread.Id,
		schema.MessageAuthor: ids["peer"], schema.MessageBody: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	both := []string{ids["owner"], ids["peer"]}
	for _, r := range []struct {
		name string
		got  func() ([]string, error)
		want []string
	}{
		{"thread", func() ([]string, error) { return audience.Of(app, thread) }, both},
		{"message", func() ([]string, error) { return audience.Of(app, msg) }, both},
		{"offer (no parties)", func() ([]string, error) { return audience.Of(app, offer) }, nil},
	} {
		got, err := r.got()
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		slices.Sort(got)
		want := slices.Clone(r.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: audience %v, want %v", r.name, got, want)
		}
	}

	reviews, err := app.FindCollectionByNameOrId(schema.Reviews)
	if err != nil {
		t.Fatal(err)
	}
	review := newRecord(reviews, map[string]any{schema.ReviewAuthor: ids["peer"], schema.ReviewSubject: ids["owner"]})
	if got, _ := audience.Of(app, review); !slices.Equal(got, []string{ids["peer"]}) {
		t.Errorf("unpublished review: audience %v, want the author alone", got)
	}
	review.Set(schema.ReviewPublished, true)
	if got, _ := audience.Of(app, review); !slices.Equal(got, []string{ids["peer"], ids["owner"]}) {
		t.Errorf("published review: audience %v, want author and subject", got)
	}
	if !audience.Tracked(schema.Messages) || audience.Tracked(schema.Offers) {
		t.Error("Tracked: messages must be tracked, offers not")
	}
}

func newRecord(c *core.Collection, data map[string]any) *core.Record {
	r := core.NewRecord(c)
	for k, v := range data {
		r.Set(k, v)
	}
	return r
}
