package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates threads: a private conversation about one offer between its owner
// (set by hook) and the peer who opened it. Only the two participants see it,
// in lists, views, realtime and expand. Nobody opens a thread with themself
// or on a draft or hidden offer; blocks are enforced by the trust hooks.
// Clients never update a thread: hooks keep the preview and unread counts,
// and the read route moves the caller's own read marker.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Threads)
		c.ListRule = rule("owner = @request.auth.id || peer = @request.auth.id")
		c.ViewRule = c.ListRule
		c.CreateRule = rule(`@request.auth.id != "" && peer = @request.auth.id && offer.owner != @request.auth.id && ` +
			`(offer.status = "active" || offer.status = "reserved")`)

		if err := addRelations(app, c,
			&relationSpec{name: schema.ThreadOffer, target: schema.Offers, required: true, cascade: true, presentable: true},
			&relationSpec{name: schema.ThreadOwner, target: schema.Users, cascade: true},
			&relationSpec{name: schema.ThreadPeer, target: schema.Users, required: true, cascade: true},
		); err != nil {
			return err
		}
		c.Fields.Add(
			&core.TextField{Name: schema.ThreadLastMessage, Max: 140},
			&core.DateField{Name: schema.ThreadLastMessageAt},
			&core.NumberField{Name: schema.ThreadOwnerUnread, Min: float(0), OnlyInt: true},
			&core.NumberField{Name: schema.ThreadPeerUnread, Min: float(0), OnlyInt: true},
			&core.DateField{Name: schema.ThreadOwnerReadAt},
			&core.DateField{Name: schema.ThreadPeerReadAt},
		)
		addTimestamps(c)
		c.AddIndex("idx_threads_offer_peer", true, "offer, peer", "")
		c.AddIndex("idx_threads_owner_last", false, "owner, last_message_at", "")
		c.AddIndex("idx_threads_peer_last", false, "peer, last_message_at", "")
		return app.Save(c)
	}, dropCollection(schema.Threads))
}
