package swaps

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
)

// The messages a swap's participants get.
const (
	keyProposed  = "swaps.proposed"
	keyAgreed    = "swaps.agreed"
	keyDeclined  = "swaps.declined"
	keyCancelled = "swaps.cancelled"
	keyCompleted = "swaps.completed"
	keyExpired   = "swaps.expired"
	// keyModeratorCancelled: a superuser cancelled it (records API, dashboard)
	keyModeratorCancelled = "swaps.moderator_cancelled"
)

func init() {
	notify.Define(keyProposed, map[string]notify.Text{
		"en": {Title: "{actor} proposes a swap", Body: "Your “{give}” for “{get}”: accept or decline the {size}-way swap."},
		"fr": {Title: "{actor} propose un échange", Body: "Votre « {give} » contre « {get} » : acceptez ou refusez l’échange à {size}."},
	})
	notify.Define(keyAgreed, map[string]notify.Text{
		"en": {Title: "Swap agreed", Body: "Everyone accepted: hand “{give}” over to {to}; “{get}” is reserved for you."},
		"fr": {Title: "Échange conclu", Body: "Tout le monde a accepté : remettez « {give} » à {to} ; « {get} » vous est réservé."},
	})
	notify.Define(keyDeclined, map[string]notify.Text{
		"en": {Title: "{actor} declined the swap", Body: "The swap of your “{give}” for “{get}” won't happen; your offer is free again."},
		"fr": {Title: "{actor} a refusé l’échange", Body: "L’échange de votre « {give} » contre « {get} » n’aura pas lieu ; votre offre est de nouveau libre."},
	})
	notify.Define(keyCancelled, map[string]notify.Text{
		"en": {Title: "Swap cancelled", Body: "{actor} cancelled the swap of your “{give}” for “{get}”; your offer is free again."},
		"fr": {Title: "Échange annulé", Body: "{actor} a annulé l’échange de votre « {give} » contre « {get} » ; votre offre est de nouveau libre."},
	})
	notify.Define(keyExpired, map[string]notify.Text{
		"en": {Title: "Swap expired", Body: "Not everyone accepted the swap of your “{give}” for “{get}” in time; your offer is free again."},
		"fr": {Title: "Échange expiré", Body: "Tout le monde n’a pas accepté à temps l’échange de votre « {give} » contre « {get} » ; votre offre est de nouveau libre."},
	})
	notify.Define(keyModeratorCancelled, map[string]notify.Text{
		"en": {Title: "Swap cancelled by a moderator", Body: "The swap of your “{give}” for “{get}” was cancelled; your offer is free again."},
		"fr": {Title: "Échange annulé par un modérateur", Body: "L’échange de votre « {give} » contre « {get} » a été annulé ; votre offre est de nouveau libre."},
	})
	notify.Define(keyCompleted, map[string]notify.Text{
		"en": {Title: "Swap completed", Body: "Every hand-over of the swap is confirmed: “{get}” is yours."},
		"fr": {Title: "Échange terminé", Body: "Toutes les remises de l’échange sont confirmées : « {get} » est à vous."},
	})
}

// tell writes message key for every participant of swap but actor (the one
// who did it, if a person), through tx: the notification exists exactly
// when the step does.
func tell(tx core.App, swap *core.Record, key, actor string) error {
	legs := readLegs(swap)
	titles := map[string]string{}
	names := map[string]string{}
	for _, l := range legs {
		if o, err := tx.FindRecordById(schema.Offers, l.Offer); err == nil {
			titles[l.Offer] = o.GetString(schema.OfferTitle)
		}
		names[l.Person] = notify.PersonName(tx, l.Person)
	}
	actorName := names[actor]
	if actorName == "" {
		actorName = notify.Someone // the server's own step (none of the people)
	}
	n := len(legs)
	for i, l := range legs {
		if l.Person == actor {
			continue
		}
		gets := legs[(i+n-1)%n]
		_, err := notify.Send(tx, notify.Notification{
			User: l.Person, Type: schema.NotifySwap, Key: key,
			Args: map[string]string{"actor": actorName, "give": titles[l.Offer], "get": titles[gets.Offer],
				"to": names[l.To], "size": fmt.Sprint(n)},
			Link: "/swaps/" + swap.Id,
			Data: map[string]any{"swap": swap.Id, "state": swap.GetString(schema.SwapState)},
		})
		if err != nil {
			return fmt.Errorf("failed to tell %s about the swap: %w", l.Person, err)
		}
	}
	return nil
}
