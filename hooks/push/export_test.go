package push

// DeliveryIDs exposes deliveryIDs to the tests.
var DeliveryIDs = deliveryIDs
