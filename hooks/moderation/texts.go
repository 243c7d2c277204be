package moderation

import "peerbase/hooks/notify"

// Message keys of the notifications moderation sends.
const (
	msgHiddenByReports = "moderation.hidden_by_reports"
	msgHidden          = "moderation.hidden"
	msgRestored        = "moderation.restored"
	msgDeleted         = "moderation.deleted"
	msgWarned          = "moderation.warned"
	msgSuspended       = "moderation.suspended"
	msgExpiresSoon     = "expiry.soon"
	msgExpired         = "expiry.expired"
)

func init() {
	notify.Define(msgHiddenByReports, map[string]notify.Text{
		"en": {Title: "Your {what} is hidden for review", Body: "Several people reported \"{title}\". It is hidden until a moderator has looked at it."},
		"fr": {Title: "Votre {what} est masqué·e pour vérification", Body: "Plusieurs personnes ont signalé « {title} ». Il reste masqué jusqu'à la décision d'un modérateur."},
	})
	notify.Define(msgHidden, map[string]notify.Text{
		"en": {Title: "A moderator hid your {what}", Body: "\"{title}\" is hidden. {note}"},
		"fr": {Title: "Un modérateur a masqué votre {what}", Body: "« {title} » est masqué. {note}"},
	})
	notify.Define(msgRestored, map[string]notify.Text{
		"en": {Title: "Your {what} is visible again", Body: "\"{title}\" is back after review. {note}"},
		"fr": {Title: "Votre {what} est de nouveau visible", Body: "« {title} » est rétabli après vérification. {note}"},
	})
	notify.Define(msgDeleted, map[string]notify.Text{
		"en": {Title: "A moderator removed your {what}", Body: "\"{title}\" was removed. {note}"},
		"fr": {Title: "Un modérateur a supprimé votre {what}", Body: "« {title} » a été supprimé. {note}"},
	})
	notify.Define(msgWarned, map[string]notify.Text{
		"en": {Title: "A warning from the moderators", Body: "About \"{title}\": {note}"},
		"fr": {Title: "Un avertissement des modérateurs", Body: "À propos de « {title} » : {note}"},
	})
	notify.Define(msgSuspended, map[string]notify.Text{
		"en": {Title: "Your account is suspended", Body: "Your account is suspended until {until}. {note}"},
		"fr": {Title: "Votre compte est suspendu", Body: "Votre compte est suspendu jusqu'au {until}. {note}"},
	})
	notify.Define(msgExpiresSoon, map[string]notify.Text{
		"en": {Title: "Your offer expires soon", Body: "\"{title}\" expires on {date}. Renew it to keep it up."},
		"fr": {Title: "Votre offre expire bientôt", Body: "« {title} » expire le {date}. Renouvelez-la pour la garder en ligne."},
	})
	notify.Define(msgExpired, map[string]notify.Text{
		"en": {Title: "Your offer expired", Body: "\"{title}\" is closed because it expired. Renew it to put it up again."},
		"fr": {Title: "Votre offre a expiré", Body: "« {title} » est fermée car elle a expiré. Renouvelez-la pour la remettre en ligne."},
	})
}
