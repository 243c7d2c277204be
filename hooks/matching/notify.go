package matching

import (
	"context"
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
)

func init() {
	notify.Define("match.want", map[string]notify.Text{
		"en": {Title: "Found for “{want}”: {offer}", Body: "{why}"},
		"fr": {Title: "Trouvé pour « {want} » : {offer}", Body: "{why}"},
	})
	notify.Define("match.swap", map[string]notify.Text{
		"en": {Title: "A swap for your “{give}”", Body: "{why}. Open it to propose the swap."},
		"fr": {Title: "Un troc pour votre « {give} »", Body: "{why}. Ouvrez-le pour proposer le troc."},
	})
}

// toldInBatch is the context of the matches the worker saves: it tells
// of them itself, a chunk at a time (notify.SendAll), with the offer and
// wants it holds, so notifyMatch leaves them alone.
var toldInBatch = context.WithValue(context.Background(), toldInBatchKey{}, true)

type toldInBatchKey struct{}

// notifyMatch tells a match's recipient in its transaction, through the
// notification centre: a want's match when the want alerts instantly (a
// daily want is told in the digest, an "off" one not at all), a swap
// always.
func notifyMatch(e *core.RecordEvent) error {
	if err := e.Next(); err != nil {
		return err
	}
	if e.Context != nil && e.Context.Value(toldInBatchKey{}) != nil {
		return nil
	}
	m := e.Record
	offer, err := e.App.FindRecordById(schema.Offers, m.GetString(schema.MatchOffer))
	if err != nil {
		return nil // gone meanwhile: nothing to tell
	}
	var n notify.Notification
	var ok bool
	switch m.GetString(schema.FieldKind) {
	case schema.MatchKindWant:
		want, err := e.App.FindRecordById(schema.Wants, m.GetString(schema.MatchWant))
		if err != nil {
			return nil
		}
		n, ok = wantNotification(m, offer, want)
	case schema.MatchKindSwap2, schema.MatchKindSwap3:
		n, ok = matchNotification(m, offer), true
		n.Type, n.Key = schema.NotifySwap, "match.swap"
		n.Args["give"] = givenTitle(e.App, m)
	}
	if !ok {
		return nil
	}
	if _, err := notify.Send(e.App, n); err != nil {
		return fmt.Errorf("failed to tell of match %s: %w", m.Id, err)
	}
	return nil
}

// matchNotification is what every notification of match m of offer says.
func matchNotification(m, offer *core.Record) notify.Notification {
	return notify.Notification{
		User: m.GetString(schema.MatchRecipient),
		Link: "/offers/" + offer.Id,
		Data: map[string]any{"match": m.Id, "offer": offer.Id},
		Args: map[string]string{"offer": offer.GetString(schema.OfferTitle), "why": m.GetString(schema.MatchExplanation)},
	}
}

// wantNotification is the notification of want match m of offer for want,
// or false when the want does not alert at once.
func wantNotification(m, offer, want *core.Record) (notify.Notification, bool) {
	if mode := want.GetString(schema.WantAlert); mode != "" && mode != AlertInstant {
		return notify.Notification{}, false
	}
	n := matchNotification(m, offer)
	n.Type, n.Key = schema.NotifyMatch, "match.want"
	n.Args["want"] = want.GetString(schema.WantQuery)
	n.Data["want"] = want.Id
	return n, true
}

// AlertInstant is the want alert mode that tells of each match at once.
const AlertInstant = "instant"

// givenTitle is the title of the offer a swap match's recipient gives,
// from the match's cycle.
func givenTitle(app core.App, m *core.Record) string {
	var cycle []CycleEntry
	_ = m.UnmarshalJSONField(schema.MatchCycle, &cycle)
	for _, c := range cycle {
		if c.Person == m.GetString(schema.MatchRecipient) {
			if o, err := app.FindRecordById(schema.Offers, c.Offer); err == nil {
				return o.GetString(schema.OfferTitle)
			}
		}
	}
	return ""
}
