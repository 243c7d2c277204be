package schema

// Push delivery fields added for the delivery log (hooks/push): the log row
// outlives its subscription, so it names its recipient, what it was about
// and where it went by itself.
const (
	DeliveryRecipient    = "recipient"
	DeliveryType         = "type"
	DeliveryEndpointHost = "endpoint_host"
)

// Push delivery statuses: pending (waiting or due), sent (the push service
// took it), failed (refused or out of attempts), gone (the subscription
// answered 404/410 or was removed), skipped (the person was looking at the
// thread when it was due).
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
	DeliveryGone    = "gone"
	DeliverySkipped = "skipped"
)

// PushDeliveryStatuses lists every push_deliveries.status value.
var PushDeliveryStatuses = []string{DeliveryPending, DeliverySent, DeliveryFailed, DeliveryGone, DeliverySkipped}
