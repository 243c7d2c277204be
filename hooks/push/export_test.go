package push

import "time"

// DeliveryIDs exposes deliveryIDs to the tests.
var DeliveryIDs = deliveryIDs

// SetSenderClock makes s reckon its JWTs' expiry by now.
func SetSenderClock(s *Sender, now func() time.Time) { s.now = now }

// SignEachMessage makes s parse its key and sign a new JWT for every
// message, as webpush-go does (for the benchmark).
func SignEachMessage(s *Sender) { s.signEach = true }
