package matching

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
	"peerbase/hooks/text"
)

// WantFromRecord reads what matching needs from a wants record.
func WantFromRecord(r *core.Record) *Want {
	w := &Want{
		ID:        r.Id,
		Owner:     r.GetString(schema.FieldOwner),
		Category:  r.GetString(schema.FieldCategory),
		Kinds:     r.GetStringSlice(schema.WantKinds),
		Query:     text.ParseQuery(r.GetString(schema.WantQuery)),
		MaxPrice:  r.GetFloat(schema.WantMaxPrice),
		Currency:  r.GetString(schema.WantCurrency),
		PriceUnit: r.GetString(schema.WantPriceUnit),
		RadiusKm:  r.GetFloat(schema.WantRadiusKm),
	}
	if p, ok := geoPoint(r); ok {
		w.HasLocation, w.Lat, w.Lon = true, p.Lat, p.Lon
	}
	return w
}

// geoPoint returns a record's location, if it has one: PocketBase stores an
// unset geoPoint as 0,0, which is in the sea off Africa, not a place people
// offer things.
func geoPoint(r *core.Record) (types.GeoPoint, bool) {
	p := r.GetGeoPoint(schema.FieldLocation)
	return p, p.Lat != 0 || p.Lon != 0
}

// OfferFromRecord reads what matching needs from an offers record.
func OfferFromRecord(r *core.Record) *Offer {
	title := r.GetString(schema.OfferTitle)
	tags := offerTags(r)
	o := &Offer{
		ID:          r.Id,
		Owner:       r.GetString(schema.FieldOwner),
		Category:    r.GetString(schema.FieldCategory),
		Kind:        r.GetString(schema.FieldKind),
		Tokens:      text.TokenSet(title, r.GetString(schema.OfferDescription), tags),
		TitleTokens: text.TokenSet(title, tags),
		Price:       r.GetFloat(schema.OfferPrice),
		Currency:    r.GetString(schema.OfferCurrency),
		PriceUnit:   r.GetString(schema.OfferPriceUnit),
		Created:     r.GetDateTime(schema.FieldCreated).Time(),
	}
	if p, ok := geoPoint(r); ok {
		o.HasLocation, o.Lat, o.Lon = true, p.Lat, p.Lon
	}
	return o
}

// offerTags joins an offer's tags (a JSON list of words) into one text.
func offerTags(r *core.Record) string {
	raw, _ := r.Get(schema.OfferTags).(types.JSONRaw)
	if len(raw) == 0 {
		return ""
	}
	var list []any
	if err := json.Unmarshal(raw, &list); err != nil {
		return string(raw) // not a list: its words still say something
	}
	parts := make([]string, 0, len(list))
	for _, v := range list {
		parts = append(parts, fmt.Sprint(v))
	}
	return strings.Join(parts, " ")
}

// wantIsLive tells whether a want record belongs in the index: active, and
// not hidden by moderation.
func wantIsLive(r *core.Record) bool {
	return r.GetBool(schema.WantActive) && !r.GetBool(schema.WantHidden)
}

// liveWants is wantIsLive as a condition of a wants query.
var liveWants = dbx.HashExp{schema.WantActive: true, schema.WantHidden: false}

// offerIsLive tells whether an offer is matched: only active offers, the
// ones every recipient may see.
func offerIsLive(r *core.Record) bool { return r.GetString(schema.FieldStatus) == schema.StatusActive }

// SwapOfferFromRecord reads what swap matching needs from an offers record.
func SwapOfferFromRecord(r *core.Record) *SwapOffer {
	title := r.GetString(schema.OfferTitle)
	o := &SwapOffer{
		ID:      r.Id,
		Owner:   r.GetString(schema.FieldOwner),
		Title:   title,
		Gives:   text.TokenSet(title, r.GetString(schema.OfferDescription), offerTags(r)),
		Wants:   text.ParseAlternatives(r.GetString(schema.OfferWantsInReturn)),
		Created: r.GetDateTime(schema.FieldCreated).Time(),
	}
	if p, ok := geoPoint(r); ok {
		o.HasLocation, o.Lat, o.Lon = true, p.Lat, p.Lon
	}
	return o
}

// isLiveSwap tells whether an offer belongs in the swap index.
func isLiveSwap(r *core.Record) bool {
	return offerIsLive(r) && r.GetString(schema.FieldKind) == schema.KindSwap
}
