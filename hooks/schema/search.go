package schema

// Search (hooks/search): plain tables, not collections, derived from offers
// and wants and rebuilt from them at will. Each index has a documents table
// (an integer handle per record, its coordinates and the updated stamp it
// was indexed at), an FTS5 table of the normalised words and an R*Tree of
// the coordinates, both keyed by the handle.
const (
	SearchOffers    = "_peerbase_search_offers"
	SearchOffersFTS = "_peerbase_search_offers_fts"
	SearchOffersGeo = "_peerbase_search_offers_geo"
	SearchWants     = "_peerbase_search_wants"
	SearchWantsFTS  = "_peerbase_search_wants_fts"
	SearchWantsGeo  = "_peerbase_search_wants_geo"
	// SearchMeta holds the index format version and the fingerprint of the
	// category names the index was built with (key, value).
	SearchMeta = "_peerbase_search_meta"
)
