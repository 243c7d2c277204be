package exchanges

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
)

// The notification of each move, keyed by the state the exchange moved to:
// told to the side that did not make the move (both sides for a move
// neither made: a moderator's, the quiet period's). Confirmations of
// completion by one side tell the other (see moveKey).
func init() {
	for state, texts := range map[string]map[string]notify.Text{
		schema.StateRequested: {
			"en": {Title: "New request for “{offer}”", Body: "{person} would like your “{offer}”. Answer in the conversation."},
			"fr": {Title: "Nouvelle demande pour « {offer} »", Body: "{person} aimerait votre « {offer} ». Répondez dans la conversation."},
		},
		schema.StateAccepted: {
			"en": {Title: "Request accepted: “{offer}”", Body: "{person} accepted your request. Agree on the hand-over in the conversation."},
			"fr": {Title: "Demande acceptée : « {offer} »", Body: "{person} a accepté votre demande. Convenez de la remise dans la conversation."},
		},
		schema.StateDeclined: {
			"en": {Title: "Request declined: “{offer}”", Body: "{person} declined your request."},
			"fr": {Title: "Demande refusée : « {offer} »", Body: "{person} a refusé votre demande."},
		},
		schema.StateCancelled: {
			"en": {Title: "Exchange cancelled: “{offer}”", Body: "{person} cancelled the exchange."},
			"fr": {Title: "Échange annulé : « {offer} »", Body: "{person} a annulé l’échange."},
		},
		schema.StateHandedOver: {
			"en": {Title: "Handed over: “{offer}”", Body: "{person} marked “{offer}” as handed over."},
			"fr": {Title: "Remis : « {offer} »", Body: "{person} a indiqué que « {offer} » a été remis."},
		},
		schema.StateReturned: {
			"en": {Title: "Returned: “{offer}”", Body: "{person} marked “{offer}” as returned."},
			"fr": {Title: "Rendu : « {offer} »", Body: "{person} a indiqué que « {offer} » a été rendu."},
		},
		schema.StateCompleted: {
			"en": {Title: "Exchange completed: “{offer}”", Body: "The exchange is complete. You can now review {person}."},
			"fr": {Title: "Échange terminé : « {offer} »", Body: "L’échange est terminé. Vous pouvez maintenant évaluer {person}."},
		},
		schema.StateDisputed: {
			"en": {Title: "Exchange disputed: “{offer}”", Body: "{person} disputed the exchange. A moderator will look into it."},
			"fr": {Title: "Échange contesté : « {offer} »", Body: "{person} a contesté l’échange. Un modérateur va l’examiner."},
		},
		confirmedKey: {
			"en": {Title: "Please confirm: “{offer}”", Body: "{person} confirmed the exchange is complete. Confirm it too, or dispute it."},
			"fr": {Title: "À confirmer : « {offer} »", Body: "{person} a confirmé que l’échange est terminé. Confirmez-le aussi, ou contestez-le."},
		},
	} {
		notify.Define("exchange."+state, texts)
	}
}

// confirmedKey is the message for one side's confirmation of completion,
// which leaves the state as it was.
const confirmedKey = "confirmed"

// notifyMove tells the parties of exchange x who did not make the move
// from→to by `by` (a user id, ByModerator or BySystem), in the move's
// transaction. A move to the same state is a one-sided confirmation and
// tells the other side only; other saves tell nobody. The legs of a swap
// are told of their hand-over and completion only: the swap itself tells
// of its agreement and its end.
func notifyMove(tx core.App, x *core.Record, from, to, by string) error {
	key := "exchange." + to
	if x.GetString(schema.ExchangeSwap) != "" && from != to && (to == schema.StateRequested || to == schema.StateAccepted ||
		to == schema.StateCancelled || to == schema.StateDeclined) {
		return nil // a swap's leg: its swap tells of its agreement and its end (hooks/swaps)
	}
	if from == to {
		if to != schema.StateHandedOver && to != schema.StateReturned {
			return nil
		}
		key = "exchange." + confirmedKey
	}
	offerTitle := ""
	if offer, err := tx.FindRecordById(schema.Offers, x.GetString(schema.ExchangeOffer)); err == nil {
		offerTitle = offer.GetString(schema.OfferTitle)
	}
	owner, requester := x.GetString(schema.ExchangeOwner), x.GetString(schema.ExchangeRequester)
	for _, party := range []string{owner, requester} {
		if party == "" || party == by {
			continue
		}
		other := owner
		if party == owner {
			other = requester
		}
		args := map[string]string{"offer": offerTitle, "person": notify.PersonName(tx, other)}
		if by == ByModerator {
			args["person"] = moderatorName
		}
		_, err := notify.Send(tx, notify.Notification{
			User: party, Type: schema.NotifyExchange, Key: key, Args: args,
			Link: "/exchanges/" + x.Id,
			Data: map[string]any{"exchange": x.Id, "offer": x.GetString(schema.ExchangeOffer), "state": to},
		})
		if err != nil {
			return fmt.Errorf("failed to tell %s of exchange %s: %w", party, x.Id, err)
		}
	}
	return nil
}

// moderatorName stands for the person of a moderator's move.
const moderatorName = "A moderator"

// newConfirmation returns the party whose confirmation of completion the
// save adds to stored (the record as it was), or "".
func newConfirmation(stored, updated *core.Record) string {
	switch {
	case stored.GetDateTime(schema.ExchangeOwnerConfirmedAt).IsZero() && !updated.GetDateTime(schema.ExchangeOwnerConfirmedAt).IsZero():
		return updated.GetString(schema.ExchangeOwner)
	case stored.GetDateTime(schema.ExchangeRequesterConfirmedAt).IsZero() && !updated.GetDateTime(schema.ExchangeRequesterConfirmedAt).IsZero():
		return updated.GetString(schema.ExchangeRequester)
	}
	return ""
}
