// Package audience says which people a record concerns: the users who may
// see it through the API rules because they are party to it. The realtime
// inbox delivers a record's events to them, and the catch-up change log
// stores them on each row, so a deletion still knows who must hear of it.
package audience

import (
	"fmt"
	"slices"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// partyFields names, per collection, the user relations whose users are the
// record's audience. Messages and reviews need more than their own fields
// (see Of).
var partyFields = map[string][]string{
	schema.Threads:       {schema.ThreadOwner, schema.ThreadPeer},
	schema.Exchanges:     {schema.ExchangeOwner, schema.ExchangeRequester},
	schema.Matches:       {schema.MatchRecipient},
	schema.Follows:       {schema.FollowFollower, schema.FollowFollowee},
	schema.Notifications: {schema.NotificationUser},
	schema.Swaps:         {schema.SwapParticipants},
	schema.Favourites:    {schema.FavouriteOwner},
	schema.LedgerEntries: {schema.LedgerAccount, schema.LedgerCounterparty},
}

// Tracked reports whether records of collection have an audience of
// parties (and so go to inboxes and the change log).
func Tracked(collection string) bool {
	_, ok := partyFields[collection]
	return ok || collection == schema.Messages || collection == schema.Reviews
}

// Of returns the ids of the users record concerns, without duplicates or
// blanks, read through app (pass the transaction inside one). A message
// concerns the two participants of its thread; a review its author, and its
// subject once it is published (blind reviews are hidden from the subject
// until then). It returns nil for collections that have no parties.
func Of(app core.App, record *core.Record) ([]string, error) {
	var ids []string
	switch name := record.Collection().Name; name {
	case schema.Messages:
		thread, err := app.FindRecordById(schema.Threads, record.GetString(schema.MessageThread))
		if err != nil {
			return nil, fmt.Errorf("failed to load the message's thread: %w", err)
		}
		ids = []string{thread.GetString(schema.ThreadOwner), thread.GetString(schema.ThreadPeer)}
	case schema.Reviews:
		ids = []string{record.GetString(schema.ReviewAuthor)}
		if record.GetBool(schema.ReviewPublished) {
			ids = append(ids, record.GetString(schema.ReviewSubject))
		}
	default:
		for _, f := range partyFields[name] {
			ids = append(ids, record.GetStringSlice(f)...) // one id or a list (swaps.participants)
		}
	}
	return compact(ids), nil
}

// compact drops blanks and repeats, keeping the first occurrence's order.
func compact(ids []string) []string {
	out := ids[:0]
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
