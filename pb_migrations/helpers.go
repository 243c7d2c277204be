// Package pb_migrations holds Peerbase's schema as Go migrations, one concern
// per file, registered with m.Register so they run at start-up and in every
// test app. A migration that has landed is never edited: add a new one.
package pb_migrations

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// rule is a shorthand for an API rule pointer; nil (no rule) means superusers only.
func rule(expr string) *string { return types.Pointer(expr) }

// float is a shorthand for the number field bounds.
func float(v float64) *float64 { return &v }

// collectionID finds the id of an existing collection, for relation fields.
func collectionID(app core.App, name string) (string, error) {
	c, err := app.FindCollectionByNameOrId(name)
	if err != nil {
		return "", fmt.Errorf("failed to find collection %q: %w", name, err)
	}
	return c.Id, nil
}

// relation builds a single relation field to the named collection.
func relation(app core.App, name, target string, required, cascade bool) (*core.RelationField, error) {
	id, err := collectionID(app, target)
	if err != nil {
		return nil, err
	}
	return &core.RelationField{Name: name, CollectionId: id, MaxSelect: 1, Required: required, CascadeDelete: cascade}, nil
}

// addRelations adds several single relations built by relation, in order.
func addRelations(app core.App, c *core.Collection, fields ...*relationSpec) error {
	for _, f := range fields {
		r, err := relation(app, f.name, f.target, f.required, f.cascade)
		if err != nil {
			return err
		}
		r.Presentable = f.presentable
		c.Fields.Add(r)
	}
	return nil
}

// relationSpec describes a relation for addRelations.
type relationSpec struct {
	name, target      string
	required, cascade bool
	presentable       bool
}

// addTimestamps adds the created and updated autodate fields every collection has.
func addTimestamps(c *core.Collection) {
	c.Fields.Add(
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
}

// dropCollection is the down step of a migration that created one collection.
func dropCollection(name string) func(app core.App) error {
	return func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			return nil // already gone
		}
		return app.Delete(c)
	}
}
