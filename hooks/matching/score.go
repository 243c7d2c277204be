package matching

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Score weights: what a person looks at first when told about an offer.
// Documented in the README ("Matching").
const (
	weightWords     = 0.40
	weightDistance  = 0.30
	weightFreshness = 0.20
	weightPrice     = 0.10
	// freshnessHalfLife is the age at which an offer's freshness is half.
	freshnessHalfLife = 7 * 24 * time.Hour
	// priceScale is the price (in any currency) at which an offer without a
	// limit to compare with gets half the price score.
	priceScale = 50.0
)

// Explain scores an offer for a want that accepts it, from 0 to 1, and says
// why it matches in words a person reads ("3 km away, words: drill, bosch,
// under your 20 € limit").
func Explain(w *Want, o *Offer, now time.Time) (score float64, explanation string) {
	var parts []string

	// words: each of the want's words counts fully when the title or tags
	// have it, half when only the description does
	words := 0.5
	hits, _ := w.Query.Match(o.Tokens)
	if positive := positiveTerms(w); positive > 0 {
		sum := 0.0
		for _, h := range hits {
			inTitle := o.TitleTokens.Has(h.Token)
			if h.Prefix {
				inTitle = o.TitleTokens.HasPrefix(h.Token)
			}
			if inTitle {
				sum++
			} else {
				sum += 0.5
			}
		}
		words = sum / float64(positive)
	}

	distance := 0.5
	if w.HasLocation && o.HasLocation {
		d := DistanceKm(w.Lat, w.Lon, o.Lat, o.Lon)
		distance = math.Max(0, 1-d/w.radius())
		parts = append(parts, distanceText(d))
	}
	if len(hits) > 0 {
		list := make([]string, len(hits))
		for i, h := range hits {
			list[i] = h.Word
		}
		parts = append(parts, "words: "+strings.Join(list, ", "))
	}

	price := 1.0
	switch {
	case o.Price <= 0:
		if w.MaxPrice > 0 {
			parts = append(parts, "free")
		}
	case w.MaxPrice > 0:
		price = 1 - 0.5*o.Price/w.MaxPrice
		parts = append(parts, fmt.Sprintf("under your %s limit", Money(w.MaxPrice, w.Currency)))
	default:
		price = 1 / (1 + o.Price/priceScale)
	}

	fresh := 1.0
	if !o.Created.IsZero() {
		age := max(0, now.Sub(o.Created))
		fresh = math.Exp2(-float64(age) / float64(freshnessHalfLife))
	}

	score = weightWords*words + weightDistance*distance + weightFreshness*fresh + weightPrice*price
	score = math.Round(score*1000) / 1000
	if len(parts) == 0 {
		parts = append(parts, "matches your want")
	}
	return score, strings.Join(parts, ", ")
}

func positiveTerms(w *Want) int {
	n := 0
	for _, t := range w.Query.Terms {
		if !t.Not {
			n++
		}
	}
	return n
}

func distanceText(km float64) string {
	switch {
	case km < 1:
		return "less than 1 km away"
	case km < 10:
		return fmt.Sprintf("%s km away", strconv.FormatFloat(math.Round(km*10)/10, 'f', -1, 64))
	}
	return fmt.Sprintf("%.0f km away", km)
}

// Money writes an amount the way a person reads it: "20 €", "£7.50".
func Money(amount float64, currency string) string {
	n := strconv.FormatFloat(amount, 'f', -1, 64)
	if amount != math.Trunc(amount) {
		n = strconv.FormatFloat(amount, 'f', 2, 64)
	}
	switch currency {
	case "EUR":
		return n + " €"
	case "GBP":
		return "£" + n
	case "USD":
		return "$" + n
	case "":
		return n
	}
	return n + " " + currency
}
