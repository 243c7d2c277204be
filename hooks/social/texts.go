package social

import "peerbase/hooks/notify"

// Message keys of the social notifications.
const (
	msgFollowedOffer = "social.followed_offer"
	msgPriceDrop     = "social.favourite_price_drop"
	msgClosingSoon   = "social.favourite_closing_soon"
	msgClosed        = "social.favourite_closed"
	msgDerived       = "social.derived"
)

func init() {
	notify.Define(msgFollowedOffer, map[string]notify.Text{
		"en": {Title: "New from {name}", Body: "{name} offers {title}."},
		"fr": {Title: "Nouveau chez {name}", Body: "{name} propose {title}."},
	})
	notify.Define(msgPriceDrop, map[string]notify.Text{
		"en": {Title: "Price drop: {title}", Body: "{title} now costs {price} {currency} (was {old})."},
		"fr": {Title: "Baisse de prix : {title}", Body: "{title} coûte maintenant {price} {currency} (au lieu de {old})."},
	})
	notify.Define(msgClosingSoon, map[string]notify.Text{
		"en": {Title: "Closing soon: {title}", Body: "{title}, which you saved, closes on {date}."},
		"fr": {Title: "Bientôt fermée : {title}", Body: "{title}, que vous avez sauvegardée, ferme le {date}."},
	})
	notify.Define(msgClosed, map[string]notify.Text{
		"en": {Title: "Closed: {title}", Body: "{title}, which you saved, is no longer available."},
		"fr": {Title: "Fermée : {title}", Body: "{title}, que vous avez sauvegardée, n'est plus disponible."},
	})
	notify.Define(msgDerived, map[string]notify.Text{
		"en": {Title: "{name} built on your {origin}", Body: "{name} published {title}, derived from your {origin}."},
		"fr": {Title: "{name} s'inspire de votre {origin}", Body: "{name} a publié {title}, dérivée de votre {origin}."},
	})
}
