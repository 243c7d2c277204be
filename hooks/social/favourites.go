package social

import (
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// refuseClosingWarned answers 400 naming the field when a client that is
// not a superuser sends favourites.closing_warned: the field is hidden, so
// PocketBase would drop it silently and the client would never learn it
// isn't theirs to write.
func refuseClosingWarned(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		return e.Next()
	}
	raw := map[string]any{}
	if err := e.BindBody(&raw); err != nil {
		return e.BadRequestError("Failed to read the submitted data.", err)
	}
	for _, key := range []string{schema.FavouriteClosingWarned, schema.FavouriteClosingWarned + "+", "+" + schema.FavouriteClosingWarned, schema.FavouriteClosingWarned + "-"} {
		if _, ok := raw[key]; ok {
			return e.BadRequestError("Some fields are set by the server and can't be written.", validation.Errors{
				schema.FavouriteClosingWarned: validation.NewError("validation_computed_field", "This field is set by the server and can't be written."),
			})
		}
	}
	return e.Next()
}
