package pb_migrations

import (
	"fmt"
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Adds the state expired to swaps: a proposal that not every participant
// accepted within --swap-expiry is ended by the swaps job (hooks/swaps).
func init() {
	m.Register(func(app core.App) error {
		return extendSelect(app, schema.Swaps, schema.SwapState, true, schema.SwapStateExpired)
	}, func(app core.App) error {
		return extendSelect(app, schema.Swaps, schema.SwapState, false, schema.SwapStateExpired)
	})
}

// extendSelect adds (add true) or removes values of the select field of a
// collection; a value already there (or already gone) is left as it is, so
// that a fresh install, whose collection was created with the value, runs
// it as a no-op.
func extendSelect(app core.App, collection, field string, add bool, values ...string) error {
	c, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		return err
	}
	f, ok := c.Fields.GetByName(field).(*core.SelectField)
	if !ok {
		return fmt.Errorf("%s.%s is not a select field", collection, field)
	}
	for _, v := range values {
		has := slices.Contains(f.Values, v)
		switch {
		case add && !has:
			f.Values = append(f.Values, v)
		case !add && has:
			f.Values = slices.DeleteFunc(f.Values, func(x string) bool { return x == v })
		}
	}
	return app.Save(c)
}
