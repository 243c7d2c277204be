package trust

import (
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/search"
)

// refuseEmailSort answers 400 to a list request, by anyone but a
// superuser, sorted on an email of an auth collection: users?sort=email,
// offers?sort=owner.email, users?sort=offers_via_owner.owner.email and so
// on. PocketBase keeps hidden emails out of filters (it adds
// "emailVisibility = true" to the condition) but not out of sorts, so a
// sorted list of strangers would place each hidden address between
// addresses of one's own choosing. The path is resolved by PocketBase's
// own resolver: it follows relations and back-relations exactly as the
// query did, and marks an auth email with the visibility guard (AfterBuild)
// that a sort drops. Anything resolved with such a guard is refused.
//
// The list hook runs after the query, but before anything is written to
// the response: the caller gets the 400 and no records.
func refuseEmailSort(e *core.RecordsListRequestEvent) error {
	if e.HasSuperuserAuth() {
		return e.Next()
	}
	sorts := e.Request.URL.Query()[search.SortQueryParam]
	if len(sorts) == 0 {
		return e.Next()
	}
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("Failed to read the request.", err)
	}
	for _, raw := range sorts {
		for _, field := range search.ParseSortFromString(raw) {
			if sortRevealsEmail(e.App, e.Collection, info, field.Name) {
				return e.BadRequestError("Invalid sort.", validation.Errors{
					search.SortQueryParam: validation.NewError("validation_sort_email", "Sorting by email is not allowed."),
				})
			}
		}
	}
	return e.Next()
}

// sortRevealsEmail reports whether sorting records of c on name orders
// them by an auth collection's email, or may (a name PocketBase's
// resolver doesn't take, which the list query would not have taken either).
func sortRevealsEmail(app core.App, c *core.Collection, info *core.RequestInfo, name string) bool {
	switch name {
	case "", "@random", "@rowid":
		return false
	}
	resolver := core.NewRecordFieldResolver(app, c, info, false)
	result, err := resolver.Resolve(name)
	return err != nil || result.AfterBuild != nil
}
