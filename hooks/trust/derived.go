package trust

import (
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// checkDerivedFrom refuses an offer whose derived_from names an offer the
// caller can't view (someone else's draft, a hidden offer) with the same
// field-level 400 as an id that doesn't exist: PocketBase's own relation
// check would say "missing" only for the latter, confirming that the
// other exists. Superusers may name any offer; an unchanged origin is not
// checked again.
func checkDerivedFrom(e *core.RecordRequestEvent) error {
	id := e.Record.GetString(schema.OfferDerivedFrom)
	if id == "" || e.HasSuperuserAuth() ||
		(!e.Record.IsNew() && e.Record.Original().GetString(schema.OfferDerivedFrom) == id) {
		return e.Next()
	}
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("Failed to read the submitted data.", err)
	}
	visible := false
	if origin, err := e.App.FindRecordById(schema.Offers, id); err == nil {
		visible, _ = e.App.CanAccessRecord(origin, info, origin.Collection().ViewRule)
	}
	if !visible {
		return e.BadRequestError("The offer it is derived from doesn't exist.", validation.Errors{
			schema.OfferDerivedFrom: validation.NewError("validation_missing_offer", "The offer doesn't exist."),
		})
	}
	return e.Next()
}
