package trust

import (
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// The private settings of a person (location, locale, time zone,
// notification preferences, quiet hours) are hidden fields: PocketBase
// leaves them out of every response and refuses them in the filters and
// sorts of everyone but superusers, so nobody can find where someone lives
// by narrowing a filter. These hooks give them back to their owner.

// isSelf reports whether the request is made by the user the record is.
func isSelf(info *core.RequestInfo, record *core.Record) bool {
	return info != nil && info.Auth != nil && info.Auth.Id == record.Id &&
		info.Auth.Collection().Name == schema.Users
}

// showPrivateUserFieldsToSelf puts the private settings back in the user's
// own responses: views, lists, realtime events and expands alike, since all
// of them are enriched.
func showPrivateUserFieldsToSelf(e *core.RecordEnrichEvent) error {
	if isSelf(e.RequestInfo, e.Record) {
		e.Record.Unhide(schema.PrivateUserFields...)
	}
	return e.Next()
}

// takePrivateUserFieldsFromSelf writes the private settings a user sends
// about themself (on sign-up, or on an update of their own record):
// PocketBase drops hidden fields from a non-superuser's request body, so
// they are taken from the raw body here and validated by the save as usual.
func takePrivateUserFieldsFromSelf(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		return e.Next()
	}
	if !e.Record.IsNew() {
		info, err := e.RequestInfo()
		if err != nil || !isSelf(info, e.Record) {
			return e.Next() // the update rule lets only the user themself through anyway
		}
	}
	raw := map[string]any{}
	if err := e.BindBody(&raw); err != nil {
		return e.BadRequestError("Failed to read the submitted data.", err)
	}
	for _, f := range schema.PrivateUserFields {
		if v, ok := raw[f]; ok {
			e.Record.Set(f, v)
		}
	}
	return e.Next()
}
