package schema

// The credit ledger (hooks/ledger): one immutable entry per account and
// movement; an account's balance is the sum of its entries' amounts. A
// transfer and an exchange's credit price write two linked entries (the
// payer's negative one and the payee's positive one, sharing a pair id); a
// grant by a superuser writes one, whose counterparty is its account.
const (
	LedgerEntries      = "ledger_entries"
	LedgerAccount      = "account"
	LedgerCounterparty = "counterparty"
	LedgerAmount       = "amount"
	LedgerKind         = "kind"
	LedgerExchange     = "exchange"
	LedgerPair         = "pair"
	LedgerNote         = "note"
	LedgerGrantedBy    = "granted_by"
)

// Ledger entry kinds.
const (
	LedgerKindTransfer = "transfer"
	LedgerKindExchange = "exchange"
	LedgerKindGrant    = "grant"
	// LedgerKindHold sets an exchange's credit price aside from the
	// requester's balance when the exchange is accepted; LedgerKindRelease
	// gives it back when the exchange completes (and the price moves as an
	// exchange entry in the same transaction) or is called off.
	LedgerKindHold    = "hold"
	LedgerKindRelease = "release"
)

// LedgerKinds lists the values of ledger_entries.kind.
var LedgerKinds = []string{LedgerKindTransfer, LedgerKindExchange, LedgerKindGrant, LedgerKindHold, LedgerKindRelease}

// Exchanges fields of the ledger and of digital exchanges: the credit price
// the requester offers (moved from requester to owner on completion when the
// ledger is on) and how many times the requester downloaded the offer's
// protected files (written by hooks only).
const (
	ExchangeCreditPrice = "credit_price"
	ExchangeDownloads   = "downloads"
)

// UserBalance is the computed balance added to a person's own users record
// (never to anyone else's) when the ledger is on.
const UserBalance = "balance"
