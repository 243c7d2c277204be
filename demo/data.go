package demo

import "peerbase/hooks/schema"

// Select values the schema package keeps only as lists.
const (
	unitItem = "item"
	unitHour = "hour"
	unitDay  = "day"

	alertInstant = "instant"
	alertDaily   = "daily"
	alertOff     = "off"

	currencyEUR = "EUR"
)

// person is one demo account; handle is the local part of the e-mail and the
// key the other tables use.
type person struct {
	handle, name, bio    string
	accountType          string
	locale, timezone     string
	lat, lon             float64 // in Lyon, a few km apart
	joinedDaysAgo        int
	quietStart, quietEnd string
}

// people live around Lyon (45.76, 4.84): close enough that every offer is in
// everyone's nearby list, far enough apart that distances differ.
var people = []person{
	{handle: "ana", name: "Ana Martin", accountType: schema.AccountPerson, locale: "fr-FR", timezone: "Europe/Paris",
		lat: 45.7745, lon: 4.8317, joinedDaysAgo: 62, quietStart: "22:00", quietEnd: "07:30",
		bio: "Croix-Rousse. I lend my tools more than I use them. Happy to look after your cat."},
	{handle: "ben", name: "Benoît Leroy", accountType: schema.AccountPerson, locale: "fr-FR", timezone: "Europe/Paris",
		lat: 45.7605, lon: 4.8590, joinedDaysAgo: 55,
		bio: "Maths teacher near Part-Dieu, weekend camper, chronic declutterer."},
	{handle: "chloe", name: "Chloé Dubois", accountType: schema.AccountPerson, locale: "en-GB", timezone: "Europe/Paris",
		lat: 45.7626, lon: 4.8272, joinedDaysAgo: 48,
		bio: "Vieux Lyon. Furniture restorer, balcony gardener, reads too much science fiction."},
	{handle: "david", name: "David Okafor", accountType: schema.AccountPerson, locale: "en", timezone: "Europe/Paris",
		lat: 45.7530, lon: 4.8425, joinedDaysAgo: 40,
		bio: "Guillotière. Photographer, board-game collector, guide for anyone curious about the murals."},
	{handle: "emma", name: "Emma Rossi", accountType: schema.AccountPerson, locale: "it-IT", timezone: "Europe/Paris",
		lat: 45.7433, lon: 4.8184, joinedDaysAgo: 33,
		bio: "Confluence. Pasta from scratch every Sunday; two kids who outgrow everything."},
	{handle: "atelier", name: "Atelier Vélo Rhône", accountType: schema.AccountBusiness, locale: "fr-FR", timezone: "Europe/Paris",
		lat: 45.7671, lon: 4.8533, joinedDaysAgo: 90,
		bio: "Bike workshop in Brotteaux: rentals, repairs and second-hand bikes, open Tuesday to Saturday."},
}

// offer is one demo offer; key names it for threads and the exchange.
type offer struct {
	key, owner, kind, status, category string
	title, description                 string
	tags                               []string
	price                              float64
	unit                               string // empty when there is no price
	wantsInReturn                      string
	photos                             int // 1 to 3
	hoursAgo                           int // when it was posted
	expiresInDays                      int
}

// offers covers every kind, in several categories, with one draft.
var offers = []offer{
	// lend
	{key: "drill", owner: "ana", kind: schema.KindLend, category: "power-tools", photos: 2, hoursAgo: 200, expiresInDays: 30,
		title: "Cordless drill Bosch 18V", tags: []string{"drill", "bosch", "diy"},
		description: "Two batteries, charger and a box of wood and masonry bits. Pick up in Croix-Rousse, back within a week please."},
	{key: "tent", owner: "ben", kind: schema.KindLend, category: "camping", photos: 3, hoursAgo: 150, expiresInDays: 40,
		title: "Four-person camping tent", tags: []string{"tent", "camping", "hiking"},
		description: "Quechua 4.2, pitched in five minutes, dry and complete. Great for a weekend in the Monts d'Or."},
	{key: "ladder", owner: "david", kind: schema.KindLend, category: "ladders-scaffolding", photos: 1, hoursAgo: 90, expiresInDays: 21,
		title: "Aluminium ladder, 3 m", tags: []string{"ladder", "painting"},
		description: "Folding three-part ladder. It fits in a small car with the seats down."},

	// rent
	{key: "city-bike", owner: "atelier", kind: schema.KindRent, category: "bikes", photos: 3, hoursAgo: 300, expiresInDays: 42,
		price: 12, unit: unitDay, title: "City bike rental", tags: []string{"bike", "city", "rental"},
		description: "Serviced city bikes with lights, lock and basket. Helmets on request. Weekly rates in the shop."},
	{key: "cargo-bike", owner: "atelier", kind: schema.KindRent, category: "bikes", photos: 2, hoursAgo: 100, expiresInDays: 42,
		price: 30, unit: unitDay, title: "Electric cargo bike", tags: []string{"cargo", "ebike", "moving"},
		description: "Carries two kids or 80 kg of shopping. Battery good for 60 km. Short test ride before the first rental."},
	{key: "marquee", owner: "emma", kind: schema.KindRent, category: "tents-marquees", photos: 2, hoursAgo: 60, expiresInDays: 28,
		price: 40, unit: unitDay, title: "Party marquee 3 × 6 m", tags: []string{"party", "marquee", "garden"},
		description: "White marquee with side walls, sets up with two people in half an hour. Weights included."},

	// sell
	{key: "armchair", owner: "chloe", kind: schema.KindSell, category: "furniture", photos: 3, hoursAgo: 130, expiresInDays: 30,
		price: 80, unit: unitItem, title: "Restored 1960s armchair", tags: []string{"vintage", "armchair", "teak"},
		description: "Teak frame, new mustard upholstery. 70 cm wide. Collection in Vieux Lyon, third floor without lift."},
	{key: "camera", owner: "david", kind: schema.KindSell, category: "cameras", photos: 2, hoursAgo: 45, expiresInDays: 30,
		price: 250, unit: unitItem, title: "Canon EOS 200D with 18-55 lens", tags: []string{"camera", "canon", "dslr"},
		description: "About 9,000 shutter clicks, two batteries, strap and bag. I moved to mirrorless."},
	{key: "kids-bike", owner: "emma", kind: schema.KindSell, category: "bikes", photos: 1, hoursAgo: 20, expiresInDays: 21,
		price: 45, unit: unitItem, title: "Kids' bike, 16 inch", tags: []string{"bike", "kids"},
		description: "For ages 4 to 6, stabilisers included, new tyres last spring."},

	// give
	{key: "kids-books", owner: "ana", kind: schema.KindGive, category: "kids-books", photos: 1, hoursAgo: 70, expiresInDays: 14,
		title: "Box of picture books", tags: []string{"books", "kids", "french"},
		description: "About thirty picture books in French, ages 2 to 6. Take the whole box."},
	{key: "seedlings", owner: "chloe", kind: schema.KindGive, category: "plants-seeds", photos: 2, hoursAgo: 30, expiresInDays: 14,
		title: "Tomato seedlings", tags: []string{"tomato", "seedlings", "balcony"},
		description: "Cherry and Coeur de boeuf, ready to plant out. Bring a box, take as many as you like."},
	{key: "boxes", owner: "ben", kind: schema.KindGive, category: "other", photos: 1, hoursAgo: 10, expiresInDays: 14,
		title: "Moving boxes, about 25", tags: []string{"boxes", "moving"},
		description: "Sturdy double-wall boxes, flat-packed, plus a roll of bubble wrap."},

	// swap
	{key: "board-games", owner: "david", kind: schema.KindSwap, category: "board-games", photos: 2, hoursAgo: 160, expiresInDays: 35,
		title: "Board games bundle: Catan, Carcassonne, Splendor", tags: []string{"boardgames", "catan", "family"},
		wantsInReturn: "Cooperative games: Pandemic, Spirit Island, or a Dixit expansion.",
		description:   "Complete, sleeved, played a few times each. I would swap the three together or one by one."},
	{key: "guitar", owner: "emma", kind: schema.KindSwap, category: "guitars", photos: 2, hoursAgo: 110, expiresInDays: 35,
		title: "Acoustic guitar Yamaha F310", tags: []string{"guitar", "yamaha", "acoustic"},
		wantsInReturn: "A 61-key digital keyboard, or a stand mixer.",
		description:   "New strings, soft case and capo. My son switched to piano."},
	{key: "paperbacks", owner: "chloe", kind: schema.KindSwap, category: "fiction", photos: 1, hoursAgo: 80, expiresInDays: 35,
		title: "Science-fiction paperbacks, 12 of them", tags: []string{"scifi", "books", "english"},
		wantsInReturn: "Any fantasy or crime novels in English.",
		description:   "Le Guin, Banks, Chiang, Jemisin and more, in English, good condition."},

	// service
	{key: "tune-up", owner: "atelier", kind: schema.KindService, category: "repairs", photos: 2, hoursAgo: 250, expiresInDays: 60,
		price: 25, unit: unitHour, title: "Bike repair and tune-up", tags: []string{"bike", "repair", "tuneup"},
		description: "Brakes, gears, wheels and punctures, usually the same day. Drop in or book a slot."},
	{key: "tutoring", owner: "ben", kind: schema.KindService, category: "tutoring", photos: 1, hoursAgo: 120, expiresInDays: 60,
		price: 20, unit: unitHour, title: "Maths tutoring, secondary school", tags: []string{"maths", "tutoring", "lycee"},
		description: "Secondary school maths, up to the baccalauréat. At your place or in a library near Part-Dieu."},
	{key: "cat-sitting", owner: "ana", kind: schema.KindService, category: "pet-care", photos: 1, hoursAgo: 40, expiresInDays: 45,
		price: 10, unit: unitDay, title: "Cat sitting while you are away", tags: []string{"cats", "petsitting"},
		description: "I come by once or twice a day: food, litter, play and a photo for you. Croix-Rousse and around."},

	// experience
	{key: "pasta", owner: "emma", kind: schema.KindExperience, category: "workshops", photos: 3, hoursAgo: 140, expiresInDays: 28,
		price: 15, unit: unitItem, title: "Fresh pasta workshop", tags: []string{"cooking", "pasta", "italian"},
		description: "Tagliatelle and ravioli from scratch, then we eat them. Four people at most, Sunday mornings."},
	{key: "street-art", owner: "david", kind: schema.KindExperience, category: "tours", photos: 2, hoursAgo: 50, expiresInDays: 28,
		title: "Street-art walk in Croix-Rousse", tags: []string{"streetart", "walk", "photography"},
		description: "Two hours among the murals and the traboules, with photo tips on the way. Free, just come."},

	// a draft only its owner sees
	{key: "sewing-machine", owner: "ana", kind: schema.KindSell, status: schema.StatusDraft, category: "crafts", photos: 1,
		hoursAgo: 5, expiresInDays: 30, price: 60, unit: unitItem, title: "Sewing machine Singer", tags: []string{"sewing"},
		description: "Still writing this one: works well, pedal and manual included."},
}

// want is one demo want; radiusKm > 0 gives it its owner's location.
type want struct {
	owner, query, category string
	kinds                  []string
	maxPrice               float64
	radiusKm               float64
	public                 bool
	alert                  string
}

var wants = []want{
	{owner: "ben", query: "bike trailer", category: "bikes", kinds: []string{schema.KindLend, schema.KindRent},
		radiusKm: 5, public: true, alert: alertInstant},
	{owner: "chloe", query: "sewing machine", category: "crafts", kinds: []string{schema.KindSell, schema.KindGive, schema.KindLend},
		maxPrice: 70, radiusKm: 3, alert: alertDaily},
	{owner: "david", query: "cooperative board game", category: "board-games", kinds: []string{schema.KindSwap, schema.KindGive},
		public: true, alert: alertInstant},
	{owner: "emma", query: "babysitter friday evening", category: "childcare", kinds: []string{schema.KindService},
		radiusKm: 2, public: true, alert: alertInstant},
	{owner: "ana", query: "pressure washer", category: "garden-tools", kinds: []string{schema.KindLend, schema.KindRent},
		public: true, alert: alertOff},
}

// follows are (follower, followee) pairs.
var follows = [][2]string{
	{"ana", "atelier"},
	{"ben", "emma"},
	{"chloe", "ana"},
	{"david", "atelier"},
}

// thread is one demo conversation: the peer writes first, then the two
// participants alternate; gapMinutes separates consecutive messages.
type thread struct {
	offer, peer string
	hoursAgo    int
	gapMinutes  int
	messages    []string
}

var threads = []thread{
	{offer: "drill", peer: "ben", hoursAgo: 30, gapMinutes: 25, messages: []string{
		"Hi Ana! Could I borrow the drill this weekend? I'm putting up shelves.",
		"Sure! Saturday morning works for me. Do you need the masonry bits too?",
		"Yes please, the walls are concrete. I'll bring it back on Monday evening.",
		"Perfect, ring the bell at number 12, third floor. See you Saturday!",
	}},
	{offer: "city-bike", peer: "chloe", hoursAgo: 20, gapMinutes: 40, messages: []string{
		"Hello, do you have two city bikes free next Saturday and Sunday?",
		"Hello Chloé, yes, two are free. Come any time after 9:30 with an ID.",
		"Great, we'll be there around 10. Can we add two helmets?",
	}},
	{offer: "board-games", peer: "emma", hoursAgo: 12, gapMinutes: 15, messages: []string{
		"Hi David, would you swap Carcassonne for Pandemic? Mine is complete.",
		"Pandemic is exactly what I'm after! Is it the base game?",
		"Base game plus the On the Brink expansion.",
		"Even better. Wednesday evening at the Guillotière market?",
		"Deal, 6 pm by the fountain.",
	}},
	{offer: "armchair", peer: "david", hoursAgo: 4, gapMinutes: 10, messages: []string{
		"Is the armchair still available? Could I see it on Thursday?",
		"It is! Thursday after 6 pm is fine, I'll send you the door code.",
	}},
}

// exchangeRequest is the one demo exchange: a request waiting for the owner.
type exchangeRequest struct {
	offer, peer            string // the thread it comes from
	startInDays, endInDays int
	agreedPrice            float64
}

var exchange = exchangeRequest{offer: "drill", peer: "ben", startInDays: 2, endInDays: 4}

// block is the stretch of days the owner of a lend offer keeps it for
// themself, counted from today in the owner's time zone: the availability
// route shows those days busy.
var block = struct {
	offer                  string
	startInDays, endInDays int
}{offer: "tent", startInDays: 14, endInDays: 21}
