package matching

import (
	"testing"
	"time"

	"peerbase/hooks/text"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	w := &Want{Query: text.ParseQuery("drill bosch"), MaxPrice: 20, Currency: "EUR",
		HasLocation: true, Lat: 45.76, Lon: 4.84, RadiusKm: 10}
	o := &Offer{Tokens: text.TokenSet("Bosch drill", "barely used"), TitleTokens: text.TokenSet("Bosch drill"),
		Price: 12, Currency: "EUR", HasLocation: true, Lat: 45.787, Lon: 4.84, Created: now.Add(-time.Hour)}
	score, why := Explain(w, o, now)
	if why != "3 km away, words: drill, bosch, under your 20 € limit" {
		t.Errorf("explanation %q", why)
	}
	if score <= 0 || score > 1 {
		t.Errorf("score %v out of (0, 1]", score)
	}
	if got := Money(7.5, "GBP"); got != "£7.50" {
		t.Errorf("Money = %q", got)
	}
	if got := Money(120, "CHF"); got != "120 CHF" {
		t.Errorf("Money = %q", got)
	}
	_, why = Explain(&Want{}, &Offer{Created: now}, now)
	if why != "matches your want" {
		t.Errorf("explanation of an empty want: %q", why)
	}
}
