package accounts

import (
	"fmt"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// placeholderDomain is a reserved top-level domain (RFC 2606): no mail to a
// placeholder's address can ever be delivered, so nobody can reset its
// password either.
const placeholderDomain = "deleted.invalid"

// handOver does everything account deletion does before the user row goes
// (see the package doc), through tx so that every write runs its hooks.
func (s *service) handOver(tx core.App, user *core.Record) error {
	placeholder, err := s.newPlaceholder(tx, user)
	if err != nil {
		return err
	}
	if err := handOverOffers(tx, user.Id, placeholder.Id); err != nil {
		return err
	}
	for _, r := range SharedRelations {
		records, err := tx.FindAllRecords(r.Collection, dbx.HashExp{r.Field: user.Id})
		if err != nil {
			return fmt.Errorf("failed to load %s: %w", r, err)
		}
		for _, rec := range records {
			Reassign(rec, r, user.Id, placeholder.Id)
			if err := tx.Save(rec); err != nil {
				return fmt.Errorf("failed to hand %s %s over to the placeholder: %w", r.Collection, rec.Id, err)
			}
		}
	}
	if err := s.refreshPreviews(tx, placeholder.Id); err != nil {
		return err
	}
	for _, r := range PrivateRelations {
		records, err := tx.FindAllRecords(r.Collection, dbx.HashExp{r.Field: user.Id})
		if err != nil {
			return fmt.Errorf("failed to load %s: %w", r, err)
		}
		for _, rec := range records {
			if err := tx.Delete(rec); err != nil {
				return fmt.Errorf("failed to delete %s %s: %w", r.Collection, rec.Id, err)
			}
		}
	}
	return nil
}

// newPlaceholder saves the users record that stands in for user in other
// people's history: marked deleted (the auth rule never lets it sign in, the
// list rule hides it), with an address nobody can receive mail at and a
// random password nobody knows. It takes user's rating, since the reviews
// about user become reviews about it.
func (s *service) newPlaceholder(tx core.App, user *core.Record) (*core.Record, error) {
	p := core.NewRecord(user.Collection())
	p.SetEmail(PlaceholderEmail(security.RandomStringWithAlphabet(24, "abcdefghijklmnopqrstuvwxyz0123456789")))
	p.SetPassword(security.RandomString(48))
	p.SetVerified(false)
	p.SetEmailVisibility(false)
	p.Set(schema.UserName, s.cfg.PlaceholderName)
	p.Set(schema.UserDeleted, true)
	p.Set(schema.UserRatingAvg, user.GetFloat(schema.UserRatingAvg))
	p.Set(schema.UserRatingCount, user.GetInt(schema.UserRatingCount))
	if err := tx.Save(p); err != nil {
		return nil, fmt.Errorf("failed to create the deleted-user placeholder: %w", err)
	}
	return p, nil
}

// PlaceholderEmail is the unusable address of a placeholder, from a random
// token.
func PlaceholderEmail(token string) string {
	return "deleted-" + strings.ToLower(token) + "@" + placeholderDomain
}

// handOverOffers keeps, closed and under the placeholder, each offer of the
// user that someone has a thread or an exchange about (the other side's
// history points at it), and deletes the others.
func handOverOffers(tx core.App, userID, placeholderID string) error {
	offers, err := tx.FindAllRecords(schema.Offers, dbx.HashExp{schema.FieldOwner: userID})
	if err != nil {
		return fmt.Errorf("failed to load the user's offers: %w", err)
	}
	for _, offer := range offers {
		shared, err := offerShared(tx, offer.Id)
		if err != nil {
			return err
		}
		if !shared {
			if err := tx.Delete(offer); err != nil {
				return fmt.Errorf("failed to delete offer %s: %w", offer.Id, err)
			}
			continue
		}
		offer.Set(schema.FieldOwner, placeholderID)
		offer.Set(schema.FieldStatus, schema.StatusClosed)
		if err := tx.Save(offer); err != nil {
			return fmt.Errorf("failed to keep offer %s under the placeholder: %w", offer.Id, err)
		}
	}
	return nil
}

// offerShared reports whether anyone has a thread or an exchange about the
// offer (nobody can have one about their own offer).
func offerShared(tx core.App, offerID string) (bool, error) {
	for _, c := range []struct{ collection, field string }{
		{schema.Threads, schema.ThreadOffer},
		{schema.Exchanges, schema.ExchangeOffer},
	} {
		n, err := tx.CountRecords(c.collection, dbx.HashExp{c.field: offerID})
		if err != nil {
			return false, fmt.Errorf("failed to count the %s of offer %s: %w", c.collection, offerID, err)
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, nil
}

// Reassign moves the user's side of rec (found through relation r) to the
// placeholder. A message of theirs loses its body and files and is marked
// deleted (a system message only names the placeholder as the mover
// instead); an exchange's history names the placeholder where it named them.
func Reassign(rec *core.Record, r Relation, userID, placeholderID string) {
	rec.Set(r.Field, placeholderID)
	switch r.Collection {
	case schema.Messages:
		if rec.GetString(schema.MessageKind) == schema.MessageKindSystem {
			// the record of an exchange's move stays, naming the placeholder
			var ev map[string]any
			if err := rec.UnmarshalJSONField(schema.MessageEvent, &ev); err == nil && ev["by"] == userID {
				ev["by"] = placeholderID
				rec.Set(schema.MessageEvent, ev)
			}
			return
		}
		rec.Set(schema.MessageBody, "")
		rec.Set(schema.MessageAttachments, []string{})
		rec.Set(schema.MessageAttachmentMeta, nil)
		rec.Set(schema.MessageDeleted, true)
	case schema.Exchanges:
		var history []map[string]any
		if err := rec.UnmarshalJSONField(schema.ExchangeHistory, &history); err == nil && len(history) > 0 {
			history = RenameActor(history, userID, placeholderID)
		}
		// nobody is left to answer a request or to turn up at a hand-over:
		// free the other side (and the offer's dates) at once
		if to := endOnDeletion(rec.GetString(schema.ExchangeState), r.Field == schema.ExchangeOwner); to != "" {
			history = append(history, map[string]any{"from": rec.GetString(schema.ExchangeState), "to": to,
				"by": placeholderID, "at": types.NowDateTime(), "reason": "account deleted"})
			rec.Set(schema.ExchangeState, to)
		}
		rec.Set(schema.ExchangeHistory, history)
	}
}

// endOnDeletion is the state an exchange in state moves to when one of its
// parties deletes their account (ownerLeft: the offer's owner), or "" when
// it stays: a request is declined or cancelled and an accepted exchange
// cancelled, since nothing was handed over yet; from the hand-over on, the
// exchange runs its course (the quiet period completes it; the other side
// can still dispute it).
func endOnDeletion(state string, ownerLeft bool) string {
	switch {
	case state == schema.StateRequested && ownerLeft:
		return schema.StateDeclined
	case state == schema.StateRequested, state == schema.StateAccepted:
		return schema.StateCancelled
	}
	return ""
}

// RenameActor returns the exchange history entries with every "by" that
// names from naming to instead; other entries are kept as they are.
func RenameActor(history []map[string]any, from, to string) []map[string]any {
	out := make([]map[string]any, len(history))
	for i, h := range history {
		if by, _ := h["by"].(string); by == from {
			c := make(map[string]any, len(h))
			for k, v := range h {
				c[k] = v
			}
			c["by"] = to
			h = c
		}
		out[i] = h
	}
	return out
}

// refreshPreviews replaces the preview of each of the placeholder's threads
// whose last message is now a deleted one, so the thread list shows no word
// of it.
func (s *service) refreshPreviews(tx core.App, placeholderID string) error {
	threads, err := tx.FindAllRecords(schema.Threads, dbx.Or(
		dbx.HashExp{schema.ThreadOwner: placeholderID},
		dbx.HashExp{schema.ThreadPeer: placeholderID},
	))
	if err != nil {
		return fmt.Errorf("failed to load the placeholder's threads: %w", err)
	}
	for _, thread := range threads {
		last, err := tx.FindRecordsByFilter(schema.Messages, "thread = {:thread}", "-created,-id", 1, 0,
			dbx.Params{"thread": thread.Id})
		if err != nil {
			return fmt.Errorf("failed to load the last message of thread %s: %w", thread.Id, err)
		}
		if len(last) == 0 || !last[0].GetBool(schema.MessageDeleted) || thread.GetString(schema.ThreadLastMessage) == s.cfg.DeletedPreview {
			continue
		}
		thread.Set(schema.ThreadLastMessage, s.cfg.DeletedPreview)
		if err := tx.Save(thread); err != nil {
			return fmt.Errorf("failed to update the preview of thread %s: %w", thread.Id, err)
		}
	}
	return nil
}
