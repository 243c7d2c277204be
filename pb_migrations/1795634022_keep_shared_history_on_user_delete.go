package pb_migrations

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// userRelation names one relation field to users and what deleting a user
// does to the records it links.
type userRelation struct {
	collection, field string
	// shared: the record is someone else's history too; deleting the user
	// must never take it along (the accounts hooks move the deleted side to a
	// placeholder first), so the relation is required and doesn't cascade:
	// PocketBase refuses to delete a user still named there, the safe
	// failure. Otherwise the record is the user's own private data and goes
	// with them.
	shared bool
	// wasRequired is the relation's Required before this migration, for down.
	wasRequired bool
}

// userRelations is the audit of every relation to users when this migration
// was written (hooks/accounts holds the same table for the hooks and checks
// the live schema against it in its tests).
var userRelations = []userRelation{
	{schema.Offers, schema.FieldOwner, true, true}, // an offer someone has a thread or exchange about is kept, closed
	{schema.Threads, schema.ThreadOwner, true, false},
	{schema.Threads, schema.ThreadPeer, true, true},
	{schema.Messages, schema.MessageAuthor, true, true},
	{schema.Exchanges, schema.ExchangeOwner, true, false},
	{schema.Exchanges, schema.ExchangeRequester, true, true},
	{schema.Reviews, schema.ReviewAuthor, true, true},
	{schema.Reviews, schema.ReviewSubject, true, false},
	{schema.Reports, schema.ReportReporter, true, true}, // moderation keeps reports of a deleted reporter
	{schema.Wants, schema.FieldOwner, false, true},
	{schema.Matches, schema.MatchRecipient, false, true},
	{schema.Blocks, schema.BlockBlocker, false, true},
	{schema.Blocks, schema.BlockBlocked, false, true},
	{schema.Follows, schema.FollowFollower, false, true},
	{schema.Follows, schema.FollowFollowee, false, true},
	{schema.PushSubscriptions, schema.SubUser, false, true},
}

// Stops deleting a user from cascading into other people's history: until
// now every relation to users cascaded, so a person deleting their account
// deleted the threads, exchanges and reviews the other side owns too. The
// relations that name a side of shared history become required and
// non-cascading (threads.owner, exchanges.owner and reviews.subject are set
// by hooks on create, so every record has them); private data still
// cascades.
func init() {
	m.Register(func(app core.App) error {
		return setUserRelations(app, func(r userRelation, f *core.RelationField) {
			f.CascadeDelete = !r.shared
			f.Required = r.shared || r.wasRequired
		})
	}, func(app core.App) error {
		return setUserRelations(app, func(r userRelation, f *core.RelationField) {
			f.CascadeDelete = true
			f.Required = r.wasRequired
		})
	})
}

// setUserRelations applies set to every relation of userRelations and saves
// each collection once.
func setUserRelations(app core.App, set func(userRelation, *core.RelationField)) error {
	changed := map[string]*core.Collection{}
	var order []string
	for _, r := range userRelations {
		c, ok := changed[r.collection]
		if !ok {
			var err error
			if c, err = app.FindCollectionByNameOrId(r.collection); err != nil {
				return fmt.Errorf("failed to find collection %q: %w", r.collection, err)
			}
			changed[r.collection] = c
			order = append(order, r.collection)
		}
		f, ok := c.Fields.GetByName(r.field).(*core.RelationField)
		if !ok {
			return fmt.Errorf("%s.%s is not a relation field", r.collection, r.field)
		}
		set(r, f)
	}
	for _, name := range order {
		if err := app.Save(changed[name]); err != nil {
			return fmt.Errorf("failed to save collection %q: %w", name, err)
		}
	}
	return nil
}
