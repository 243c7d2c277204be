package pb_migrations

import (
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Documents, in the dashboard, the shapes the trust hooks now check for the
// JSON fields clients write: offers.tags and users.notify_prefs.
func init() {
	m.Register(func(app core.App) error {
		return setJSONHelp(app, map[string]map[string]string{
			schema.Offers: {schema.OfferTags: fmt.Sprintf(`a list of at most %d words or short phrases of up to %d characters, e.g. ["drill","bosch"]`,
				schema.MaxTags, schema.MaxTagLength)},
			schema.Users: {schema.UserNotify: `an object of notification types (` + strings.Join(schema.NotifyTypes, ", ") +
				`) to true or false, e.g. {"message":true,"digest":false}; a missing type is on`},
		})
	}, func(app core.App) error {
		return setJSONHelp(app, map[string]map[string]string{
			schema.Offers: {schema.OfferTags: `a list of short words, e.g. ["drill","bosch"]`},
			schema.Users:  {schema.UserNotify: `per-type notification preferences, e.g. {"message":true,"match":false}`},
		})
	})
}

// setJSONHelp sets the dashboard help of JSON fields, per collection.
func setJSONHelp(app core.App, help map[string]map[string]string) error {
	for collection, fields := range help {
		c, err := app.FindCollectionByNameOrId(collection)
		if err != nil {
			return err
		}
		for name, text := range fields {
			f, ok := c.Fields.GetByName(name).(*core.JSONField)
			if !ok {
				return fmt.Errorf("%s.%s is not a JSON field", collection, name)
			}
			f.Help = text
		}
		if err := app.Save(c); err != nil {
			return err
		}
	}
	return nil
}
