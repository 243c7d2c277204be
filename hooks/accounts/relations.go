package accounts

import (
	"fmt"
	"slices"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// Relation names one relation field to users.
type Relation struct {
	Collection, Field string
}

// String returns collection.field.
func (r Relation) String() string { return r.Collection + "." + r.Field }

// OfferOwner is the relation of a person's offers: an offer someone else has
// a thread or exchange about is shared history and moves to the placeholder
// (closed); the others are the person's own and are deleted.
var OfferOwner = Relation{schema.Offers, schema.FieldOwner}

// SharedRelations name a side of a record someone else relies on too: on
// account deletion they move to the placeholder. Each must be required and
// not cascade, so that nothing shared is ever deleted with a user by
// accident (PocketBase refuses the delete instead).
var SharedRelations = []Relation{
	{schema.Threads, schema.ThreadOwner},
	{schema.Threads, schema.ThreadPeer},
	{schema.Messages, schema.MessageAuthor},
	{schema.Exchanges, schema.ExchangeOwner},
	{schema.Exchanges, schema.ExchangeRequester},
	{schema.Reviews, schema.ReviewAuthor},
	{schema.Reviews, schema.ReviewSubject},
	{schema.Reports, schema.ReportReporter}, // moderation keeps the reports of a deleted reporter
	// a ledger entry's sides: the other side's balance and history must not change
	{schema.LedgerEntries, schema.LedgerAccount},
	{schema.LedgerEntries, schema.LedgerCounterparty},
}

// PrivateRelations name the person's own data, deleted with their account.
// They cascade, so that a user deleted without these hooks leaves none
// behind either.
var PrivateRelations = []Relation{
	{schema.Wants, schema.FieldOwner},
	{schema.Matches, schema.MatchRecipient},
	{schema.Follows, schema.FollowFollower},
	{schema.Follows, schema.FollowFollowee},
	{schema.Blocks, schema.BlockBlocker},
	{schema.Blocks, schema.BlockBlocked},
	{schema.PushSubscriptions, schema.SubUser},
	{schema.Notifications, schema.NotificationUser},
	// a list: PocketBase takes the person out of it; hooks/swaps first ends
	// their open swaps
	{schema.Swaps, schema.SwapParticipants},
	{schema.Favourites, schema.FavouriteOwner},
}

// CreditRelations name a person credited on someone else's record (the
// owner of the offer a derived offer builds on). They are neither required
// nor cascade: deleting the person unsets the credit and keeps the record.
var CreditRelations = []Relation{
	{schema.Offers, schema.OfferDerivedFromOwner},
}

// Audit checks every relation to the users collection (usersID) in
// collections against the tables above: shared ones (and OfferOwner) must be
// required and not cascade, private ones must cascade, and every relation
// must be in one table, so that a new collection pointing at users is a
// decision, not an accident. It returns one line per problem.
func Audit(collections []*core.Collection, usersID string) []string {
	shared := append([]Relation{OfferOwner}, SharedRelations...)
	var problems []string
	seen := map[Relation]bool{}
	for _, c := range collections {
		if c.IsView() {
			continue
		}
		for _, f := range c.Fields {
			rel, ok := f.(*core.RelationField)
			if !ok || rel.CollectionId != usersID {
				continue
			}
			r := Relation{c.Name, rel.Name}
			seen[r] = true
			switch {
			case slices.Contains(shared, r):
				if rel.CascadeDelete || !rel.Required {
					problems = append(problems, fmt.Sprintf("%s is shared history: it must be required and must not cascade", r))
				}
			case slices.Contains(PrivateRelations, r):
				if !rel.CascadeDelete {
					problems = append(problems, fmt.Sprintf("%s is private data: it must cascade", r))
				}
			case slices.Contains(CreditRelations, r):
				if rel.CascadeDelete || rel.Required {
					problems = append(problems, fmt.Sprintf("%s is a credit: it must be neither required nor cascade", r))
				}
			default:
				problems = append(problems, fmt.Sprintf("%s points at users but is neither shared nor private in hooks/accounts", r))
			}
		}
	}
	for _, r := range append(append(shared, PrivateRelations...), CreditRelations...) {
		if !seen[r] {
			problems = append(problems, fmt.Sprintf("%s is not a relation to users", r))
		}
	}
	return problems
}
