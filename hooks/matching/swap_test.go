package matching

import (
	"slices"
	"testing"

	"peerbase/hooks/text"
)

func swapOffer(id, owner, title, wants string) *SwapOffer {
	return &SwapOffer{ID: id, Owner: owner, Gives: text.TokenSet(title), Wants: text.ParseAlternatives(wants)}
}

func cycleKeys(cs []Cycle) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Key())
	}
	slices.Sort(out)
	return out
}

func TestSwapCycles(t *testing.T) {
	t.Parallel()
	x := NewSwapIndex()
	for _, o := range []*SwapOffer{
		swapOffer("b-games", "ben", "Board games: Pandemic", "keyboard"),  // 2-way with ana
		swapOffer("c-keyb", "chloe", "61-key digital keyboard", "novels"), // ana -> ... see 3-way
		swapOffer("d-novels", "dan", "Crime novels", "pandemic"),          // 3-way: ana's? no: see below
		swapOffer("e-novels", "eve", "Fantasy novels", "guitar"),          // decoy: wants what nobody gives
		swapOffer("a-other", "ana", "A second keyboard", "pandemic"),      // ana's own: never with herself
		swapOffer("f-vague", "frank", "Keyboard stand", ""),               // wants nothing in particular
		swapOffer("g-blocked", "gina", "Another keyboard", "pandemic"),    // gina blocked ana
	} {
		x.Put(o)
	}
	blocked := map[[2]string]bool{{"gina", "ana"}: true, {"ana", "gina"}: true}
	allowed := func(a, b string) bool { return a != b && !blocked[[2]string{a, b}] }

	// ana gives a keyboard and wants Pandemic:
	// 2-way with ben (board games for a keyboard);
	// 3-way ana -> chloe? chloe gives a keyboard, wants novels: no.
	ana := swapOffer("a-keyb", "ana", "Yamaha keyboard", "pandemic")
	got := cycleKeys(x.Cycles(ana, allowed))
	if want := []string{"a-keyb>b-games"}; !slices.Equal(got, want) {
		t.Errorf("ana's cycles: %v, want %v", got, want)
	}

	// hugo gives novels and wants a keyboard: 3-way hugo -> chloe (wants
	// novels) -> ... chloe gives a keyboard to hugo: that is 2-way;
	// 3-way hugo -> dan? dan wants pandemic: no. So: 2-way with chloe, and
	// with ben's keyboard? ben wants a keyboard, gives games: no.
	hugo := swapOffer("h-novels", "hugo", "Detective novels", "keyboard")
	if got, want := cycleKeys(x.Cycles(hugo, allowed)), []string{"c-keyb>h-novels"}; !slices.Equal(got, want) {
		t.Errorf("hugo's cycles: %v, want %v", got, want)
	}

	// ivan gives Pandemic and wants novels: ivan -> dan (wants pandemic)
	// -> ? dan gives novels to ivan: 2-way. 3-way: ivan -> ben (wants a
	// keyboard: no). ivan -> dan -> ... ; ivan -> a-other (ana's, wants
	// pandemic) -> chloe? ana gives a keyboard, chloe wants novels: no;
	// ana's keyboard -> ben wants a keyboard... ben gives games to ivan?
	// ivan wants novels: no. So only the 2-way with dan, and the 3-way
	// ivan -> ana (a-other) -> chloe? no. -> ben? ben gives games, ivan
	// wants novels: no.
	ivan := swapOffer("i-pandemic", "ivan", "Pandemic board game", "novels")
	got = cycleKeys(x.Cycles(ivan, allowed))
	if want := []string{"d-novels>i-pandemic"}; !slices.Equal(got, want) {
		t.Errorf("ivan's cycles: %v, want %v", got, want)
	}

	// alternatives: kim takes a violin or a keyboard, and chloe takes novels
	kim := swapOffer("k-novels", "kim", "Detective novels", "a violin, or a keyboard")
	if got, want := cycleKeys(x.Cycles(kim, allowed)), []string{"c-keyb>k-novels"}; !slices.Equal(got, want) {
		t.Errorf("kim's cycles: %v, want %v", got, want)
	}

	// a pure three-way: jo gives a guitar, wants a keyboard. eve wants a
	// guitar and gives novels; chloe wants novels and gives a keyboard:
	// jo -> eve -> chloe -> jo
	jo := swapOffer("j-guitar", "jo", "Acoustic guitar", "keyboard")
	got = cycleKeys(x.Cycles(jo, allowed))
	if want := []string{"c-keyb>j-guitar>e-novels"}; !slices.Equal(got, want) {
		t.Errorf("jo's cycles: %v, want %v", got, want)
	}
	// the same cycle completed by another of its offers has the same key
	x.Put(jo)
	x.Remove("c-keyb")
	chloe := swapOffer("c-keyb", "chloe", "61-key digital keyboard", "novels")
	found := false
	for _, c := range x.Cycles(chloe, allowed) {
		found = found || c.Key() == "c-keyb>j-guitar>e-novels"
	}
	if !found {
		t.Errorf("chloe's offer does not find the same cycle: %v", cycleKeys(x.Cycles(chloe, allowed)))
	}
}
