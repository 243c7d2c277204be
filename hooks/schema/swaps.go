package schema

// Swaps: the agreement that carries out a swap match (hooks/swaps). A swap
// lists the cycle's people and offers in order (each gives their offer to
// the next person, the last to the first); once every participant has
// accepted, each leg becomes an exchange that points back at its swap.
const (
	Swaps             = "swaps"
	SwapCycleKey      = "cycle_key"
	SwapParticipants  = "participants"
	SwapOffers        = "offers"
	SwapLegs          = "legs"
	SwapState         = "state"
	SwapHistory       = "history"
	ExchangeSwap      = "swap"
	SwapStateProposed = "proposed"
	// SwapStateAccepted: everyone accepted; the legs are exchanges.
	SwapStateAccepted  = "accepted"
	SwapStateDeclined  = "declined"
	SwapStateCancelled = "cancelled"
	SwapStateCompleted = "completed"
	// SwapStateExpired: not everyone accepted the proposal in time.
	SwapStateExpired = "expired"
)

// SwapStates lists every swap state.
var SwapStates = []string{SwapStateProposed, SwapStateAccepted, SwapStateDeclined, SwapStateCancelled, SwapStateCompleted, SwapStateExpired}
