package push

import (
	"encoding/json"
	"time"

	"peerbase/hooks/schema"
)

// TypeMessage is the type of a new message's push; every other type is a
// notifications.type.
const TypeMessage = "message"

// Kind is how a push of one type is sent: its Urgency, its TTL (how long
// the push service keeps it for an offline device) and whether its Topic
// collapses earlier pushes of the same thing (want, thread) so that only
// the latest shows.
type Kind struct {
	Urgency string
	TTL     time.Duration
	// TopicPrefix, with TopicField (a key of the data the push is about),
	// makes the Topic "<prefix><id>"; a prefix without field is the whole
	// Topic.
	TopicPrefix, TopicField string
	// Urgent pushes ignore quiet hours.
	Urgent bool
}

// Kinds gives the Kind of every push type; a type not listed gets
// DefaultKind.
var Kinds = map[string]Kind{
	TypeMessage:             {Urgency: "high", TTL: 24 * time.Hour, TopicPrefix: "t-", TopicField: "thread"},
	schema.NotifyMatch:      {Urgency: "normal", TTL: 72 * time.Hour, TopicPrefix: "w-", TopicField: "want"},
	schema.NotifySwap:       {Urgency: "normal", TTL: 72 * time.Hour},
	schema.NotifyExchange:   {Urgency: "high", TTL: 7 * 24 * time.Hour, Urgent: true},
	schema.NotifyDigest:     {Urgency: "low", TTL: 12 * time.Hour, TopicPrefix: "digest"},
	schema.NotifyReview:     {Urgency: "normal", TTL: 72 * time.Hour},
	schema.NotifyLedger:     {Urgency: "normal", TTL: 72 * time.Hour},
	schema.NotifyModeration: {Urgency: "normal", TTL: 7 * 24 * time.Hour},
	schema.NotifyExpiry:     {Urgency: "normal", TTL: 48 * time.Hour},
	schema.NotifyFollow:     {Urgency: "low", TTL: 24 * time.Hour},
	schema.NotifyDerived:    {Urgency: "low", TTL: 24 * time.Hour},
	schema.NotifyFavourite:  {Urgency: "low", TTL: 24 * time.Hour},
}

// DefaultKind is the Kind of a type Kinds does not list.
var DefaultKind = Kind{Urgency: "normal", TTL: 24 * time.Hour}

// KindOf returns the Kind of push type typ.
func KindOf(typ string) Kind {
	if k, ok := Kinds[typ]; ok {
		return k
	}
	return DefaultKind
}

// Topic returns the Topic header of a push about data ("" for none): at
// most 32 characters of the URL-safe base64 alphabet (RFC 8030).
func (k Kind) Topic(data map[string]any) string {
	if k.TopicPrefix == "" {
		return ""
	}
	t := k.TopicPrefix
	if k.TopicField != "" {
		id, _ := data[k.TopicField].(string)
		if id == "" {
			return ""
		}
		t += id
	}
	if len(t) > 32 {
		return ""
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return ""
		}
	}
	return t
}

// Wants reports whether notify_prefs (users.notify_prefs, an object of
// type → bool) lets typ through: only an explicit false turns a type off.
func Wants(notifyPrefs []byte, typ string) bool {
	if len(notifyPrefs) == 0 {
		return true
	}
	var prefs map[string]any
	if err := json.Unmarshal(notifyPrefs, &prefs); err != nil {
		return true
	}
	v, ok := prefs[typ].(bool)
	return !ok || v
}

// QuietUntil returns the end of the quiet hours now falls in, or the zero
// time when now is outside them (or they are not set). start and end are
// "HH:MM" wall times in the IANA zone tz (UTC when empty or unknown); a
// window whose start is after its end crosses midnight; equal ones mean
// no quiet hours. Wall times are resolved on the day they fall on, so a
// window keeps its local hours across DST changes (a time skipped by a
// spring-forward change is the first instant after the gap).
func QuietUntil(now time.Time, tz, start, end string) time.Time {
	sh, sm, ok1 := parseHM(start)
	eh, em, ok2 := parseHM(end)
	if !ok1 || !ok2 || sh*60+sm == eh*60+em {
		return time.Time{}
	}
	loc := time.UTC
	if tz != "" {
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	local := now.In(loc)
	y, mo, d := local.Date()
	at := func(day, h, m int) time.Time { return time.Date(y, mo, d+day, h, m, 0, 0, loc) }
	if sh*60+sm < eh*60+em {
		s, e := at(0, sh, sm), at(0, eh, em)
		if !now.Before(s) && now.Before(e) {
			return e
		}
		return time.Time{}
	}
	// across midnight: [start today, end tomorrow) or [start yesterday, end today)
	if s := at(0, sh, sm); !now.Before(s) {
		return at(1, eh, em)
	}
	if e := at(0, eh, em); now.Before(e) {
		return e
	}
	return time.Time{}
}

func parseHM(s string) (h, m int, ok bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, 0, false
		}
	}
	h = int(s[0]-'0')*10 + int(s[1]-'0')
	m = int(s[3]-'0')*10 + int(s[4]-'0')
	return h, m, h < 24 && m < 60
}
