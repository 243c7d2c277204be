package trust

import (
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// hidePrivateUserFields removes a person's private settings (location,
// locale, time zone, notification preferences, quiet hours) from every
// response that is not for that person or a superuser: views, lists,
// realtime events and expands alike, since all of them are enriched.
func hidePrivateUserFields(e *core.RecordEnrichEvent) error {
	info := e.RequestInfo
	self := info != nil && info.Auth != nil && info.Auth.Id == e.Record.Id && info.Auth.Collection().Name == schema.Users
	if !self && (info == nil || !info.HasSuperuserAuth()) {
		e.Record.Hide(schema.PrivateUserFields...)
	}
	return e.Next()
}
