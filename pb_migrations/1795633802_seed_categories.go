package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// defaultCategory is one node of the seeded taxonomy.
type defaultCategory struct {
	slug, name, icon string
	children         [][2]string // slug, name
}

// defaultCategories is the taxonomy a new install starts with: everyday
// things people lend, rent, sell, give and swap, plus services and
// experiences. Admins edit it in the dashboard.
var defaultCategories = []defaultCategory{
	{"tools", "Tools & DIY", "🔧", [][2]string{{"power-tools", "Power tools"}, {"hand-tools", "Hand tools"}, {"ladders-scaffolding", "Ladders & scaffolding"}, {"workshop", "Workshop equipment"}}},
	{"books", "Books & media", "📚", [][2]string{{"fiction", "Fiction"}, {"non-fiction", "Non-fiction"}, {"textbooks", "Textbooks"}, {"comics", "Comics"}, {"films-music", "Films & music"}}},
	{"kids", "Kids & baby", "🧸", [][2]string{{"toys", "Toys"}, {"baby-gear", "Strollers, car seats & baby gear"}, {"kids-clothing", "Kids' clothing"}, {"kids-books", "Kids' books"}}},
	{"sports", "Sports & outdoors", "⚽", [][2]string{{"bikes", "Bikes"}, {"camping", "Camping & hiking"}, {"winter-sports", "Winter sports"}, {"water-sports", "Water sports"}, {"fitness", "Fitness"}}},
	{"electronics", "Electronics", "💻", [][2]string{{"computers", "Computers & tablets"}, {"phones", "Phones"}, {"cameras", "Cameras & drones"}, {"audio", "Audio"}, {"gaming", "Video games & consoles"}}},
	{"home", "Home & kitchen", "🏠", [][2]string{{"furniture", "Furniture"}, {"kitchen", "Kitchen appliances"}, {"decor", "Decor"}, {"cleaning", "Cleaning"}}},
	{"garden", "Garden", "🌱", [][2]string{{"garden-tools", "Garden tools"}, {"plants-seeds", "Plants & seeds"}, {"outdoor-furniture", "Outdoor furniture"}}},
	{"vehicles", "Vehicles", "🚗", [][2]string{{"cars", "Cars"}, {"motorbikes", "Motorbikes & scooters"}, {"trailers", "Trailers"}, {"vehicle-parts", "Parts & accessories"}}},
	{"clothing", "Clothing & accessories", "👗", [][2]string{{"womens-clothing", "Women's clothing"}, {"mens-clothing", "Men's clothing"}, {"shoes", "Shoes"}, {"bags-jewellery", "Bags & jewellery"}, {"costumes", "Costumes"}}},
	{"music", "Music instruments", "🎸", [][2]string{{"guitars", "Guitars"}, {"keyboards", "Keyboards"}, {"pa-equipment", "PA & stage equipment"}}},
	{"party", "Party & events", "🎉", [][2]string{{"party-supplies", "Party supplies"}, {"tents-marquees", "Tents & marquees"}, {"tableware", "Tableware"}}},
	{"games", "Games & hobbies", "🎲", [][2]string{{"board-games", "Board games"}, {"crafts", "Arts & crafts"}, {"collectibles", "Collectibles"}}},
	{"services", "Services", "🤝", [][2]string{{"repairs", "Repairs"}, {"moving-help", "Moving help"}, {"tutoring", "Tutoring & lessons"}, {"pet-care", "Pet care"}, {"childcare", "Childcare"}, {"digital-services", "Digital services"}}},
	{"experiences", "Experiences", "🌍", [][2]string{{"workshops", "Workshops & classes"}, {"tours", "Local tours"}, {"meals", "Shared meals"}, {"outdoor-activities", "Outdoor activities"}}},
	{"digital", "Digital goods", "💾", [][2]string{{"ebooks", "E-books"}, {"templates", "Templates & patterns"}, {"3d-models", "3D models"}, {"photos-art", "Photos & art"}}},
	{"other", "Other", "📦", nil},
}

// Seeds the default taxonomy; the down step removes exactly what it added.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Categories)
		if err != nil {
			return err
		}
		for i, top := range defaultCategories {
			parent := core.NewRecord(c)
			parent.Set(schema.CategorySlug, top.slug)
			parent.Set(schema.CategoryName, top.name)
			parent.Set(schema.CategoryIcon, top.icon)
			parent.Set(schema.CategorySort, (i+1)*10)
			if err := app.Save(parent); err != nil {
				return err
			}
			for j, child := range top.children {
				r := core.NewRecord(c)
				r.Set(schema.CategorySlug, child[0])
				r.Set(schema.CategoryName, child[1])
				r.Set(schema.CategoryParent, parent.Id)
				r.Set(schema.CategorySort, (j+1)*10)
				if err := app.Save(r); err != nil {
					return err
				}
			}
		}
		return nil
	}, func(app core.App) error {
		for _, top := range defaultCategories {
			// children cascade nowhere: delete them first
			for _, child := range top.children {
				if r, err := app.FindFirstRecordByData(schema.Categories, schema.CategorySlug, child[0]); err == nil {
					if err := app.Delete(r); err != nil {
						return err
					}
				}
			}
			if r, err := app.FindFirstRecordByData(schema.Categories, schema.CategorySlug, top.slug); err == nil {
				if err := app.Delete(r); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
