package accounts_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/accounts"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// collection builds a base collection with the given relations to usersID.
func collection(name, usersID string, rels ...*core.RelationField) *core.Collection {
	c := core.NewBaseCollection(name)
	for _, r := range rels {
		r.CollectionId = usersID
		c.Fields.Add(r)
	}
	return c
}

// wellFormed is a schema that satisfies the audit.
func wellFormed(usersID string) []*core.Collection {
	byCollection := map[string][]*core.RelationField{}
	var order []string
	add := func(r accounts.Relation, required, cascade bool) {
		if _, ok := byCollection[r.Collection]; !ok {
			order = append(order, r.Collection)
		}
		byCollection[r.Collection] = append(byCollection[r.Collection], &core.RelationField{Name: r.Field, Required: required, CascadeDelete: cascade})
	}
	add(accounts.OfferOwner, true, false)
	for _, r := range accounts.SharedRelations {
		add(r, true, false)
	}
	for _, r := range accounts.PrivateRelations {
		add(r, false, true)
	}
	for _, r := range accounts.CreditRelations {
		add(r, false, false)
	}
	var out []*core.Collection
	for _, name := range order {
		out = append(out, collection(name, usersID, byCollection[name]...))
	}
	return out
}

func TestAuditAcceptsTheTables(t *testing.T) {
	t.Parallel()
	if problems := accounts.Audit(wellFormed("users_id"), "users_id"); len(problems) > 0 {
		t.Fatalf("a schema following the tables has problems: %v", problems)
	}
}

func TestAuditFindsEachMistake(t *testing.T) {
	t.Parallel()
	field := func(cs []*core.Collection, coll, name string) *core.RelationField {
		for _, c := range cs {
			if c.Name == coll {
				return c.Fields.GetByName(name).(*core.RelationField)
			}
		}
		t.Fatalf("no %s.%s", coll, name)
		return nil
	}
	cases := []struct {
		name   string
		mutate func(cs []*core.Collection) []*core.Collection
		want   string
	}{
		{"shared relation cascades", func(cs []*core.Collection) []*core.Collection {
			field(cs, schema.Threads, schema.ThreadPeer).CascadeDelete = true
			return cs
		}, "threads.peer is shared history"},
		{"shared relation not required (would be silently emptied)", func(cs []*core.Collection) []*core.Collection {
			field(cs, schema.Reviews, schema.ReviewSubject).Required = false
			return cs
		}, "reviews.subject is shared history"},
		{"offer owner cascades", func(cs []*core.Collection) []*core.Collection {
			field(cs, schema.Offers, schema.FieldOwner).CascadeDelete = true
			return cs
		}, "offers.owner is shared history"},
		{"private relation doesn't cascade", func(cs []*core.Collection) []*core.Collection {
			field(cs, schema.Wants, schema.FieldOwner).CascadeDelete = false
			return cs
		}, "wants.owner is private data"},
		{"a new relation to users nobody classified", func(cs []*core.Collection) []*core.Collection {
			return append(cs, collection("favourites", "users_id", &core.RelationField{Name: "user", CascadeDelete: true}))
		}, "favourites.user points at users"},
		{"a table entry that is gone from the schema", func(cs []*core.Collection) []*core.Collection {
			return slices.DeleteFunc(cs, func(c *core.Collection) bool { return c.Name == schema.PushSubscriptions })
		}, "push_subscriptions.user is not a relation to users"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			problems := accounts.Audit(c.mutate(wellFormed("users_id")), "users_id")
			if len(problems) != 1 || !strings.HasPrefix(problems[0], c.want) {
				t.Fatalf("problems = %q, want one starting %q", problems, c.want)
			}
		})
	}
	// relations to other collections are none of the audit's business
	other := append(wellFormed("users_id"), collection("notes", "offers_id", &core.RelationField{Name: "offer"}))
	if problems := accounts.Audit(other, "users_id"); len(problems) > 0 {
		t.Fatalf("a relation to another collection was flagged: %v", problems)
	}
}

// TestLiveSchemaPassesAudit checks the migrated schema: every relation to
// users is either shared history that can't be cascade-deleted or private
// data that goes with its user.
func TestLiveSchemaPassesAudit(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	users, err := app.FindCollectionByNameOrId(schema.Users)
	if err != nil {
		t.Fatal(err)
	}
	all, err := app.FindAllCollections()
	if err != nil {
		t.Fatal(err)
	}
	if problems := accounts.Audit(all, users.Id); len(problems) > 0 {
		t.Fatalf("the schema's relations to users:\n%s", strings.Join(problems, "\n"))
	}
}

func TestPlaceholderEmail(t *testing.T) {
	t.Parallel()
	got := accounts.PlaceholderEmail("AbC123")
	if got != "deleted-abc123@deleted.invalid" {
		t.Fatalf("PlaceholderEmail = %q", got)
	}
}

func TestRenameActor(t *testing.T) {
	t.Parallel()
	history := []map[string]any{
		{"to": "requested", "by": "alice", "at": "t0"},
		{"from": "requested", "to": "accepted", "by": "bob", "at": "t1"},
		{"from": "accepted", "to": "disputed", "by": "moderator", "at": "t2"},
		{"from": "disputed", "to": "completed", "by": "alice", "at": "t3"},
		{"to": "x"},
	}
	got := accounts.RenameActor(history, "alice", "ghost")
	wantBy := []any{"ghost", "bob", "moderator", "ghost", nil}
	for i, h := range got {
		if h["by"] != wantBy[i] {
			t.Errorf("entry %d by = %v, want %v", i, h["by"], wantBy[i])
		}
	}
	if got[3]["from"] != "disputed" || got[3]["at"] != "t3" {
		t.Errorf("a renamed entry lost its other keys: %v", got[3])
	}
	if history[0]["by"] != "alice" {
		t.Error("the input history was modified")
	}
}

func TestReassignMessage(t *testing.T) {
	t.Parallel()
	c := core.NewBaseCollection(schema.Messages)
	c.Fields.Add(
		&core.TextField{Name: schema.MessageAuthor},
		&core.TextField{Name: schema.MessageBody},
		&core.JSONField{Name: schema.MessageAttachments},
		&core.JSONField{Name: schema.MessageAttachmentMeta},
		&core.BoolField{Name: schema.MessageDeleted},
	)
	m := core.NewRecord(c)
	m.Set(schema.MessageAuthor, "alice")
	m.Set(schema.MessageBody, "my address is 3 rue X")
	m.Set(schema.MessageAttachments, []string{"id.pdf"})
	m.Set(schema.MessageAttachmentMeta, map[string]any{"id.pdf": map[string]any{}})
	accounts.Reassign(m, accounts.Relation{schema.Messages, schema.MessageAuthor}, "alice", "ghost")
	if m.GetString(schema.MessageAuthor) != "ghost" || m.GetString(schema.MessageBody) != "" ||
		!m.GetBool(schema.MessageDeleted) || len(m.GetStringSlice(schema.MessageAttachments)) != 0 {
		t.Fatalf("message after Reassign: %v", m.FieldsData())
	}
}
