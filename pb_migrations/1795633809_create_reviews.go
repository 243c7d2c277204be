package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates reviews: one per author and exchange, written by a party of a
// completed exchange about the other (subject, set by hook), hidden until
// published by hook; the subject may add a reply to a published review.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Reviews)
		c.ListRule = rule("published = true || author = @request.auth.id")
		c.ViewRule = c.ListRule
		c.CreateRule = rule(`@request.auth.id != "" && author = @request.auth.id && exchange.state = "completed" && ` +
			`(exchange.owner = @request.auth.id || exchange.requester = @request.auth.id)`)
		c.UpdateRule = rule(`subject = @request.auth.id && published = true && @request.body.rating:isset = false && ` +
			`@request.body.text:isset = false && @request.body.exchange:isset = false && @request.body.author:isset = false`)

		if err := addRelations(app, c,
			&relationSpec{name: schema.ReviewExchange, target: schema.Exchanges, required: true, cascade: true},
			&relationSpec{name: schema.ReviewAuthor, target: schema.Users, required: true, cascade: true},
			&relationSpec{name: schema.ReviewSubject, target: schema.Users, cascade: true},
		); err != nil {
			return err
		}
		c.Fields.Add(
			&core.NumberField{Name: schema.ReviewRating, Required: true, Min: float(1), Max: float(5), OnlyInt: true, Presentable: true},
			&core.TextField{Name: schema.ReviewText, Max: 2000},
			&core.TextField{Name: schema.ReviewReply, Max: 2000},
			&core.BoolField{Name: schema.ReviewPublished},
		)
		addTimestamps(c)
		c.AddIndex("idx_reviews_exchange_author", true, "exchange, author", "")
		c.AddIndex("idx_reviews_subject", false, "subject, published, created", "")
		return app.Save(c)
	}, dropCollection(schema.Reviews))
}
