package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Adds the ledger entry kinds hold and release: an exchange's credit price
// is set aside from the requester's balance when the exchange is accepted,
// and given back when it completes (the price then moves as an exchange
// payment) or is called off (hooks/ledger). The unique index on (exchange,
// kind, account) keeps it to one hold and one release per exchange.
func init() {
	m.Register(func(app core.App) error {
		return extendSelect(app, schema.LedgerEntries, schema.LedgerKind, true, schema.LedgerKindHold, schema.LedgerKindRelease)
	}, func(app core.App) error {
		return extendSelect(app, schema.LedgerEntries, schema.LedgerKind, false, schema.LedgerKindHold, schema.LedgerKindRelease)
	})
}
