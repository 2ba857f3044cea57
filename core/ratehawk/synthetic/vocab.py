"""Static word pools and geography the synthetic catalog draws from.

The weights follow the shape of the real RateHawk inventory (Europe and the US heavy, a long tail of
smaller markets); they are not real counts. Tables are parsed on first use, not at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# country code | country name | currency | phone prefix | postal code pattern (# = digit, A = letter)
_COUNTRIES = """
US|United States|USD|+1|#####
IT|Italy|EUR|+39|#####
ES|Spain|EUR|+34|#####
FR|France|EUR|+33|#####
DE|Germany|EUR|+49|#####
GB|United Kingdom|GBP|+44|AA# #AA
TR|Turkey|TRY|+90|#####
GR|Greece|EUR|+30|### ##
TH|Thailand|THB|+66|#####
CN|China|CNY|+86|######
JP|Japan|JPY|+81|###-####
AE|United Arab Emirates|AED|+971|
RU|Russia|RUB|+7|######
BR|Brazil|BRL|+55|#####-###
MX|Mexico|MXN|+52|#####
PT|Portugal|EUR|+351|####-###
HR|Croatia|EUR|+385|#####
IN|India|INR|+91|######
ID|Indonesia|IDR|+62|#####
EG|Egypt|EGP|+20|#####
CZ|Czech Republic|CZK|+420|### ##
AT|Austria|EUR|+43|####
NL|Netherlands|EUR|+31|#### AA
GE|Georgia|GEL|+995|####
UZ|Uzbekistan|UZS|+998|######
KZ|Kazakhstan|KZT|+7|######
VN|Vietnam|VND|+84|######
MA|Morocco|MAD|+212|#####
CY|Cyprus|EUR|+357|####
ME|Montenegro|EUR|+382|#####
"""

# country code | city | latitude | longitude | IATA | relative share of hotels
_CITIES = """
US|New York|40.7128|-74.0060|NYC|60
US|Las Vegas|36.1699|-115.1398|LAS|30
US|Orlando|28.5383|-81.3792|ORL|35
US|Miami|25.7617|-80.1918|MIA|30
US|Los Angeles|34.0522|-118.2437|LAX|40
US|San Francisco|37.7749|-122.4194|SFO|20
US|Chicago|41.8781|-87.6298|CHI|20
US|Honolulu|21.3069|-157.8583|HNL|12
IT|Rome|41.9028|12.4964|ROM|60
IT|Milan|45.4642|9.1900|MIL|35
IT|Venice|45.4408|12.3155|VCE|30
IT|Florence|43.7696|11.2558|FLR|30
IT|Naples|40.8518|14.2681|NAP|20
IT|Rimini|44.0678|12.5695|RMI|15
ES|Barcelona|41.3851|2.1734|BCN|50
ES|Madrid|40.4168|-3.7038|MAD|40
ES|Palma de Mallorca|39.5696|2.6502|PMI|30
ES|Malaga|36.7213|-4.4214|AGP|25
ES|Seville|37.3891|-5.9845|SVQ|15
ES|Santa Cruz de Tenerife|28.4636|-16.2518|TCI|15
FR|Paris|48.8566|2.3522|PAR|70
FR|Nice|43.7102|7.2620|NCE|25
FR|Lyon|45.7640|4.8357|LYS|12
FR|Marseille|43.2965|5.3698|MRS|12
DE|Berlin|52.5200|13.4050|BER|35
DE|Munich|48.1351|11.5820|MUC|25
DE|Hamburg|53.5511|9.9937|HAM|15
DE|Frankfurt|50.1109|8.6821|FRA|12
GB|London|51.5074|-0.1278|LON|70
GB|Edinburgh|55.9533|-3.1883|EDI|15
GB|Manchester|53.4808|-2.2426|MAN|10
TR|Istanbul|41.0082|28.9784|IST|50
TR|Antalya|36.8969|30.7133|AYT|40
TR|Bodrum|37.0344|27.4305|BJV|12
GR|Athens|37.9838|23.7275|ATH|25
GR|Heraklion|35.3387|25.1442|HER|15
GR|Santorini|36.3932|25.4615|JTR|12
TH|Bangkok|13.7563|100.5018|BKK|45
TH|Phuket|7.8804|98.3923|HKT|35
TH|Pattaya|12.9236|100.8825|UTP|20
CN|Beijing|39.9042|116.4074|BJS|30
CN|Shanghai|31.2304|121.4737|SHA|30
CN|Guangzhou|23.1291|113.2644|CAN|15
JP|Tokyo|35.6762|139.6503|TYO|40
JP|Osaka|34.6937|135.5023|OSA|20
JP|Kyoto|35.0116|135.7681|UKY|12
AE|Dubai|25.2048|55.2708|DXB|45
AE|Abu Dhabi|24.4539|54.3773|AUH|12
RU|Moscow|55.7558|37.6173|MOW|45
RU|Saint Petersburg|59.9343|30.3351|LED|30
RU|Sochi|43.6028|39.7342|AER|25
BR|Rio de Janeiro|-22.9068|-43.1729|RIO|25
BR|Sao Paulo|-23.5505|-46.6333|SAO|20
MX|Cancun|21.1619|-86.8515|CUN|30
MX|Mexico City|19.4326|-99.1332|MEX|20
PT|Lisbon|38.7223|-9.1393|LIS|30
PT|Porto|41.1579|-8.6291|OPO|20
PT|Albufeira|37.0891|-8.2479|FAO|15
HR|Split|43.5081|16.4402|SPU|20
HR|Dubrovnik|42.6507|18.0944|DBV|15
IN|Goa|15.2993|74.1240|GOI|20
IN|New Delhi|28.6139|77.2090|DEL|20
ID|Bali|-8.3405|115.0920|DPS|35
ID|Jakarta|-6.2088|106.8456|JKT|12
EG|Hurghada|27.2579|33.8116|HRG|20
EG|Sharm el-Sheikh|27.9158|34.3300|SSH|20
EG|Cairo|30.0444|31.2357|CAI|10
CZ|Prague|50.0755|14.4378|PRG|30
AT|Vienna|48.2082|16.3738|VIE|25
AT|Salzburg|47.8095|13.0550|SZG|10
NL|Amsterdam|52.3676|4.9041|AMS|30
GE|Tbilisi|41.7151|44.8271|TBS|15
GE|Batumi|41.6168|41.6367|BUS|12
UZ|Tashkent|41.2995|69.2401|TAS|10
UZ|Samarkand|39.6270|66.9750|SKD|6
KZ|Almaty|43.2220|76.8512|ALA|10
KZ|Astana|51.1694|71.4491|NQZ|8
VN|Ho Chi Minh City|10.8231|106.6297|SGN|15
VN|Nha Trang|12.2388|109.1967|CXR|12
MA|Marrakech|31.6295|-7.9811|RAK|15
CY|Limassol|34.7071|33.0226|LMS|8
CY|Paphos|34.7720|32.4297|PFO|8
ME|Budva|42.2911|18.8400|TIV|8
"""

# Neighbourhood names attached to the largest cities, for the region dump.
NEIGHBORHOODS = (
    "Old Town",
    "City Centre",
    "Harbour",
    "Financial District",
    "University Quarter",
    "Riverside",
)

KINDS: tuple[tuple[str, float], ...] = (
    ("Hotel", 52.0),
    ("Apartment", 15.0),
    ("Guesthouse", 6.0),
    ("BNB", 5.0),
    ("Hostel", 4.0),
    ("Apart-hotel", 4.0),
    ("Resort", 3.0),
    ("Villas_and_Bungalows", 3.0),
    ("Mini-hotel", 2.5),
    ("Cottages_and_Houses", 2.0),
    ("Boutique_and_Design", 1.2),
    ("Camping", 0.8),
    ("Glamping", 0.5),
    ("Farm", 0.4),
    ("Sanatorium", 0.3),
    ("Castle", 0.15),
    ("Capsule_Hotel", 0.15),
)

# star rating -> share, per kind family: hotels skew 3-4 stars, rentals are mostly unrated.
STARS_HOTEL = ((0, 8.0), (1, 3.0), (2, 14.0), (3, 38.0), (4, 27.0), (5, 10.0))
STARS_OTHER = ((0, 70.0), (1, 4.0), (2, 10.0), (3, 12.0), (4, 3.0), (5, 1.0))

CHAINS = (
    "Marriott",
    "Hilton",
    "IHG",
    "Accor",
    "Wyndham",
    "Choice Hotels",
    "Best Western",
    "Hyatt",
    "Radisson",
    "Melia Hotels International",
    "NH Hotels",
    "Barcelo",
    "Riu Hotels",
    "Iberostar",
    "Louvre Hotels",
    "Premier Inn",
    "Motel One",
    "Jin Jiang",
    "Rixos",
    "Kempinski",
    "Four Seasons",
    "Mandarin Oriental",
    "Shangri-La",
    "Minor Hotels",
    "Scandic",
    "Ibis",
    "B&B Hotels",
    "Azimut",
)

NAME_HEADS = (
    "Grand",
    "Royal",
    "Park",
    "Central",
    "Plaza",
    "Palace",
    "Golden",
    "Blue",
    "Sea",
    "Sun",
    "Garden",
    "City",
    "Old Town",
    "Riverside",
    "Harbour",
    "Panorama",
    "Boutique",
    "Villa",
    "Casa",
    "Bella",
    "Green",
    "Silver",
    "Imperial",
    "Majestic",
    "Modern",
    "Urban",
    "Cozy",
    "Sunny",
    "Lagoon",
    "Coral",
    "Mountain",
    "Lake",
    "Forest",
    "Marina",
    "Station",
    "Avenue",
    "Crown",
    "Star",
    "Ocean",
    "Palm",
)
NAME_TAILS = (
    "View",
    "House",
    "Inn",
    "Residence",
    "Suites",
    "Lodge",
    "Rooms",
    "Court",
    "Gardens",
    "Heights",
    "Bay",
    "Point",
    "Square",
    "Corner",
    "Terrace",
    "Place",
    "Retreat",
    "Haven",
    "Collection",
    "Home",
)
KIND_WORD = {
    "Hotel": "Hotel",
    "Apartment": "Apartments",
    "Guesthouse": "Guest House",
    "BNB": "B&B",
    "Hostel": "Hostel",
    "Apart-hotel": "Aparthotel",
    "Resort": "Resort & Spa",
    "Villas_and_Bungalows": "Villas",
    "Mini-hotel": "Mini Hotel",
    "Cottages_and_Houses": "Cottage",
    "Boutique_and_Design": "Design Hotel",
    "Camping": "Camping",
    "Glamping": "Glamping",
    "Farm": "Farm Stay",
    "Sanatorium": "Sanatorium",
    "Castle": "Castle",
    "Capsule_Hotel": "Capsules",
}

STREETS = (
    "Main",
    "Church",
    "Market",
    "Station",
    "Park",
    "Harbour",
    "King",
    "Queen",
    "Garden",
    "Mill",
    "Victoria",
    "Liberty",
    "Republic",
    "Castle",
    "River",
    "Bridge",
    "Sea",
    "Hill",
    "Lake",
    "Forest",
    "Roma",
    "Mayor",
    "Central",
    "Palm",
    "Olive",
    "Cedar",
    "Lincoln",
    "Washington",
    "Pushkin",
    "Ataturk",
)
STREET_TYPES = ("Street", "Avenue", "Road", "Boulevard", "Lane", "Square", "Drive", "Way")

AMENITY_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "General",
        (
            "24-hour reception",
            "Air conditioning",
            "Elevator/lift",
            "Heating",
            "Non-smoking rooms",
            "Safe-deposit box",
            "Luggage storage",
            "Smoking areas",
            "Newspapers",
            "Family rooms",
            "Express check-in/check-out",
            "Concierge services",
            "Garden",
            "Terrace",
            "Shopping on site",
            "Ironing service",
            "Wake-up service",
            "ATM",
            "Currency exchange",
            "Allergy-free rooms",
        ),
    ),
    ("Internet", ("Free Internet", "Wi-Fi in public areas", "Wi-Fi in rooms", "Wired Internet")),
    (
        "Parking",
        (
            "Parking",
            "Private parking",
            "Parking nearby",
            "Secured parking",
            "Valet parking",
            "Electric car charging",
        ),
    ),
    (
        "Meals",
        (
            "Restaurant",
            "Bar",
            "Breakfast",
            "Breakfast in the room",
            "Snack bar",
            "Cafe",
            "Special diet menu (on request)",
            "Room service",
            "Vending machine (drinks)",
        ),
    ),
    (
        "Pool and beach",
        (
            "Outdoor pool",
            "Indoor pool",
            "Heated swimming pool",
            "Beach access",
            "Private beach",
            "Beach umbrellas",
            "Sun loungers",
            "Pool bar",
        ),
    ),
    (
        "Sports",
        (
            "Fitness facilities",
            "Tennis court",
            "Diving",
            "Hiking",
            "Bicycle rental",
            "Golf course",
            "Table tennis",
            "Ski storage",
            "Yoga classes",
        ),
    ),
    (
        "Beauty and wellness",
        ("Spa", "Sauna", "Massage", "Steam room", "Hot tub", "Beauty salon", "Turkish bath", "Solarium"),
    ),
    ("Business", ("Business centre", "Conference hall", "Meeting rooms", "Fax and copy machine", "Printer")),
    ("Transfer", ("Airport transfer", "Shuttle", "Car rental", "Bicycle parking")),
    (
        "Services and amenities",
        (
            "Laundry",
            "Dry cleaning",
            "Daily housekeeping",
            "Tour desk",
            "Ticket assistance",
            "Multi-language staff",
            "Pets allowed",
        ),
    ),
    (
        "Accessibility",
        (
            "Accessibility features",
            "Wheelchair accessible",
            "Ramps",
            "Accessible bathrooms",
            "Visual aids",
            "Lower bathroom sink",
        ),
    ),
    (
        "Kids",
        ("Kids club", "Playground", "Babysitting", "Children's pool", "Children's menu", "Cribs available"),
    ),
)

ROOM_AMENITIES = (
    "air-conditioning",
    "private-bathroom",
    "shower",
    "bath",
    "hairdryer",
    "toiletries",
    "tv",
    "telephone",
    "minibar",
    "fridge",
    "kettle",
    "coffee-tea",
    "safe",
    "desk",
    "wardrobe",
    "window",
    "soundproofing",
    "bathrobe",
    "slippers",
    "iron",
    "microwave",
    "kitchen",
    "dishwasher",
    "washing-machine",
    "balcony",
    "sea-view",
    "city-view",
    "mountain-view",
    "heating",
    "sofa",
    "towels",
    "bed-linen",
    "wifi",
    "blackout-blinds",
    "alarm-clock",
)

# (main name, rg_ext class, bedding word, base capacity)
ROOM_TYPES = (
    ("Standard Double room", 3, "double bed", 2),
    ("Standard Twin room", 3, "twin beds", 2),
    ("Superior Double room", 3, "double bed", 2),
    ("Deluxe Double room", 3, "double bed", 2),
    ("Economy Single room", 2, "single bed", 1),
    ("Standard Triple room", 4, "3 single beds", 3),
    ("Family room", 5, "double bed and sofa bed", 4),
    ("Junior Suite", 6, "king size bed", 2),
    ("Suite", 7, "king size bed", 3),
    ("Studio", 8, "double bed", 2),
    ("Apartment with 1 bedroom", 9, "double bed", 3),
    ("Apartment with 2 bedrooms", 9, "2 double beds", 5),
    ("Villa", 10, "2 double beds", 6),
    ("Bed in dormitory", 1, "bunk bed", 1),
    ("Bungalow", 11, "double bed", 3),
    ("Cottage", 12, "double bed", 4),
)
ROOM_QUALITIES = ("", "Classic", "Comfort", "Superior", "Premium", "Executive", "Panoramic", "Business")

IMAGE_CATEGORIES = (
    "exterior",
    "interior",
    "lobby",
    "room",
    "bathroom",
    "restaurant",
    "bar",
    "pool",
    "beach",
    "spa",
    "fitness",
    "view",
    "conference",
    "reception",
    "terrace",
    "unspecified",
)

DESCRIPTION_TITLES = ("Location", "At the hotel", "In the rooms", "Dining", "Leisure", "Good to know")
SENTENCES = (
    "The property is a short walk from the main sights, shops and restaurants of the district.",
    "Guests appreciate the quiet courtyard and the friendly staff who are happy to help with plans.",
    "Public transport stops are nearby, so the whole city is easy to explore without a car.",
    "The airport can be reached in about forty minutes by taxi or by the express train.",
    "A generous breakfast buffet is served every morning with local and international dishes.",
    "Rooms are decorated in a calm modern style and come with comfortable beds and blackout curtains.",
    "Each room has a flat-screen TV, a work desk and a private bathroom with a shower or a bathtub.",
    "Families with children will find connecting rooms, cots on request and a small playground.",
    "The rooftop terrace offers sweeping views over the old town and the surrounding hills.",
    "In the evening, guests can relax at the lobby bar with a selection of wines and cocktails.",
    "Business travellers can use the meeting rooms, a printer and fast Wi-Fi throughout the building.",
    "The spa area includes a sauna, a steam bath and treatment rooms offering a range of massages.",
    "An outdoor swimming pool with sun loungers is open during the warm season.",
    "Private parking is available on site for an extra fee and must be reserved in advance.",
    "The beach is within a few minutes on foot and towels are provided at the front desk.",
    "Pets are welcome on request; additional charges may apply depending on the size of the animal.",
    "Reception is open around the clock and luggage can be stored before check-in or after check-out.",
    "The restaurant serves regional cuisine made from seasonal products of nearby farms.",
    "Guests can rent bicycles at the property and explore the cycle paths along the river.",
    "The historic building was carefully restored and keeps many of its original architectural details.",
    "Some rooms have a balcony, and the upper floors enjoy views of the sea or the mountains.",
    "A fitness room with cardio equipment is available free of charge to all guests.",
    "Shuttle service to the airport and the railway station can be arranged for a fee.",
    "The neighbourhood is known for its lively markets, street food and independent boutiques.",
    "Guests should present a valid photo ID and the credit card used for the booking at check-in.",
    "Quiet hours are observed from 22:00 to 07:00 out of respect for all guests.",
    "The kitchenette is equipped with a refrigerator, a microwave, a kettle and basic utensils.",
    "Daily housekeeping keeps the rooms fresh, and fresh towels are provided every two days.",
    "Museums, theatres and galleries are within easy reach, making it a good base for culture lovers.",
    "The property participates in a sustainability programme and reduces single-use plastics.",
)

EXTRA_INFO = (
    "A damage deposit is required on arrival and refunded at check-out after inspection of the room.",
    "The city tourist tax is paid at the property and is not included in the room rate.",
    "Late check-in after 22:00 must be agreed with the property in advance.",
    "Guests under 18 may check in only with a parent or an official guardian.",
    "The swimming pool is closed from October to April.",
    "Renovation works may cause noise in some parts of the building during the day.",
)

PAYMENT_METHODS = (
    "visa",
    "mastercard",
    "american_express",
    "maestro",
    "cash",
    "unionpay",
    "jcb",
    "diners_club",
    "bank_transfer",
)
SERP_FILTERS = (
    "has_internet",
    "has_parking",
    "has_pool",
    "has_meal",
    "has_spa",
    "has_fitness",
    "has_airport_transfer",
    "has_busyness",
    "kitchen",
    "has_pets",
    "beach",
    "has_disabled_support",
    "has_smoking",
    "has_jacuzzi",
    "has_ski",
    "has_kids",
)


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name: str
    currency: str
    phone_prefix: str
    postal_pattern: str


@dataclass(frozen=True, slots=True)
class City:
    country: Country
    name: str
    latitude: float
    longitude: float
    iata: str
    weight: float


@lru_cache(maxsize=1)
def countries() -> dict[str, Country]:
    out: dict[str, Country] = {}
    for line in _COUNTRIES.strip().splitlines():
        code, name, currency, phone, postal = line.split("|")
        out[code] = Country(code, name, currency, phone, postal)
    return out


@lru_cache(maxsize=1)
def cities() -> tuple[City, ...]:
    by_code = countries()
    rows = []
    for line in _CITIES.strip().splitlines():
        code, name, lat, lon, iata, weight = line.split("|")
        rows.append(City(by_code[code], name, float(lat), float(lon), iata, float(weight)))
    return tuple(rows)
