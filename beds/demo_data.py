"""The national demo dataset: regions, organisations and a deterministic set of shelters.

Pure data and one generator; standard library and `vocabulary` only, so matching, tests and
`flask demo` (beds/demo.py) can all read it.

- REGIONS: the care-coordination regions for human trafficking (zorgcoördinatie mensenhandel),
  named after their centre municipality, and the 10 police units ("Eenheid ..."), with the real
  coordinates of the centre municipality or the unit's seat (hoofdlocatie).
- ORGANISATIONS: shelter providers. Some names are those of real kinds of providers; every number,
  location, address and phone number below is invented.
- shelters(): about 160 shelter locations, the same list on every call (fixed seed).
  Shelter coordinates are coarse (2 decimals). Addresses use invented street names
  ("Voorbeeldstraat", "Oefenlaan", ...) so a demo never points at a real house, and intake
  numbers have a subscriber part starting with 0, which Dutch numbering never issues, so
  tapping one in a demo cannot ring a real person.
- FULL_REGIONS: care regions in which every pool is fully occupied (0 free places).
"""

import random
import re
import unicodedata

import vocabulary


def slug(name: str) -> str:
    """Lowercase ASCII code of a name: "'s-Hertogenbosch" -> "s-hertogenbosch", "Den Haag" -> "den-haag"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


# --- Regions ---------------------------------------------------------------------------------

# Care-coordination regions: (centre municipality, lat, lon). The region is named after its centre.
_CARE_REGIONS = [
    ("Amsterdam", 52.3728, 4.8936),
    ("Rotterdam", 51.9225, 4.4792),
    ("Den Haag", 52.0799, 4.3113),
    ("Utrecht", 52.0907, 5.1214),
    ("Eindhoven", 51.4416, 5.4697),
    ("Groningen", 53.2194, 6.5665),
    ("Zwolle", 52.5168, 6.0830),
    ("Almere", 52.3705, 5.2180),
    ("Alkmaar", 52.6324, 4.7534),
    ("Enschede", 52.2215, 6.8937),
    ("Nijmegen", 51.8426, 5.8528),
    ("Arnhem", 51.9800, 5.9111),
    ("'s-Hertogenbosch", 51.6978, 5.3037),
    ("Breda", 51.5890, 4.7759),
    ("Tilburg", 51.5555, 5.0913),
    ("Maastricht", 50.8514, 5.6910),
    ("Heerlen", 50.8882, 5.9795),
    ("Venlo", 51.3704, 6.1724),
    ("Leiden", 52.1601, 4.4970),
    ("Haarlem", 52.3811, 4.6368),
    ("Dordrecht", 51.8133, 4.6901),
    ("Gouda", 52.0115, 4.7104),
    ("Leeuwarden", 53.2012, 5.7999),
    ("Emmen", 52.7858, 6.8976),
    ("Assen", 52.9925, 6.5649),
    ("Apeldoorn", 52.2112, 5.9699),
    ("Middelburg", 51.4988, 3.6136),
    ("Amersfoort", 52.1561, 5.3878),
    ("Zaanstad", 52.4389, 4.8261),
    ("Deventer", 52.2661, 6.1552),
]

# The 10 regional police units: (unit, seat municipality, lat, lon). Seats are the units'
# hoofdlocaties as chosen by the cabinet for the national police.
_POLICE_UNITS = [
    ("Noord-Nederland", "Groningen", 53.2194, 6.5665),
    ("Oost-Nederland", "Apeldoorn", 52.2112, 5.9699),
    ("Midden-Nederland", "Utrecht", 52.0907, 5.1214),
    ("Noord-Holland", "Haarlem", 52.3811, 4.6368),
    ("Amsterdam", "Amsterdam", 52.3728, 4.8936),
    ("Den Haag", "Den Haag", 52.0799, 4.3113),
    ("Rotterdam", "Rotterdam", 51.9225, 4.4792),
    ("Zeeland-West-Brabant", "Tilburg", 51.5555, 5.0913),
    ("Oost-Brabant", "'s-Hertogenbosch", 51.6978, 5.3037),
    ("Limburg", "Maastricht", 50.8514, 5.6910),
]

# Each care region's number, keyed in on the national piket number ("toets het regionummer"): 11 to 40.
REGIONS = [
    {
        "code": slug(name),
        "name": name,
        "kind": vocabulary.RegionKind.CARE,
        "centre": name,
        "lat": lat,
        "lon": lon,
        "dial_code": 11 + i,
    }
    for i, (name, lat, lon) in enumerate(_CARE_REGIONS)
] + [
    {
        "code": slug(f"Eenheid {unit}"),
        "name": f"Eenheid {unit}",
        "kind": vocabulary.RegionKind.POLICE,
        "centre": seat,
        "lat": lat,
        "lon": lon,
    }
    for unit, seat, lat, lon in _POLICE_UNITS
]

CARE_REGION_CODES = [r["code"] for r in REGIONS if r["kind"] == vocabulary.RegionKind.CARE]

# Regions where, in the demo, every place is taken tonight: searches must look further away.
FULL_REGIONS = ["den-haag", "utrecht", "leiden", "gouda", "heerlen"]

# --- Organisations ---------------------------------------------------------------------------

ORGANISATIONS = [
    {"key": "fier", "name": "Fier"},
    {"key": "kadera", "name": "Kadera"},
    {"key": "blijf-groep", "name": "Blijf Groep"},
    {"key": "arosa", "name": "Arosa"},
    {"key": "perspektief", "name": "Perspektief"},
    {"key": "moviera", "name": "Moviera"},
    {"key": "levvel", "name": "Levvel (jeugdzorg)"},
    {"key": "leger-des-heils", "name": "Leger des Heils"},
    {"key": "exodus", "name": "Exodus"},
    {"key": "hvo-querido", "name": "HVO-Querido"},
    {"key": "nla", "name": "NLA (Nederlandse Arbeidsinspectie)"},
    {"key": "kustlicht", "name": "Stichting Kustlicht"},
    {"key": "veilige-haven-zuid", "name": "Stichting Veilige Haven Zuid"},
    {"key": "schuilplaats-noordoost", "name": "Stichting Schuilplaats Noordoost"},
]

# --- Shelters --------------------------------------------------------------------------------

SEED = 20191231  # fixed: shelters() returns the same list on every call and in every process

# Per care region: key prefix, main regional provider (vrouwenopvang, jeugdzorg when not Levvel
# or Fier), and municipalities in the region: (name, lat, lon, postcode digits, area code).
# The first municipality is the centre.
_AREAS = {
    "amsterdam": (
        "AMS",
        "blijf-groep",
        [
            ("Amsterdam", 52.37, 4.89, "1017", "20"),
            ("Amstelveen", 52.30, 4.86, "1181", "20"),
            ("Diemen", 52.34, 4.96, "1111", "20"),
            ("Uithoorn", 52.24, 4.83, "1421", "297"),
        ],
    ),
    "rotterdam": (
        "RTD",
        "arosa",
        [
            ("Rotterdam", 51.92, 4.48, "3011", "10"),
            ("Schiedam", 51.92, 4.40, "3111", "10"),
            ("Vlaardingen", 51.91, 4.34, "3131", "10"),
            ("Spijkenisse", 51.85, 4.33, "3201", "181"),
            ("Capelle aan den IJssel", 51.93, 4.58, "2901", "10"),
        ],
    ),
    "den-haag": (
        "DHG",
        "kustlicht",
        [
            ("Den Haag", 52.08, 4.31, "2511", "70"),
            ("Delft", 52.01, 4.36, "2611", "15"),
            ("Zoetermeer", 52.06, 4.49, "2711", "79"),
            ("Naaldwijk", 51.99, 4.21, "2671", "174"),
        ],
    ),
    "utrecht": (
        "UTR",
        "moviera",
        [
            ("Utrecht", 52.09, 5.12, "3511", "30"),
            ("Nieuwegein", 52.03, 5.08, "3431", "30"),
            ("Zeist", 52.09, 5.23, "3701", "30"),
            ("Houten", 52.03, 5.17, "3991", "30"),
        ],
    ),
    "eindhoven": (
        "EHV",
        "veilige-haven-zuid",
        [
            ("Eindhoven", 51.44, 5.47, "5611", "40"),
            ("Helmond", 51.48, 5.66, "5701", "492"),
            ("Veldhoven", 51.42, 5.40, "5501", "40"),
            ("Geldrop", 51.42, 5.56, "5661", "40"),
        ],
    ),
    "groningen": (
        "GRO",
        "schuilplaats-noordoost",
        [
            ("Groningen", 53.22, 6.57, "9711", "50"),
            ("Delfzijl", 53.33, 6.92, "9931", "596"),
            ("Veendam", 53.11, 6.88, "9641", "598"),
            ("Stadskanaal", 52.99, 6.96, "9501", "599"),
        ],
    ),
    "zwolle": (
        "ZWL",
        "kadera",
        [
            ("Zwolle", 52.52, 6.08, "8011", "38"),
            ("Kampen", 52.56, 5.91, "8261", "38"),
            ("Hardenberg", 52.58, 6.62, "7771", "523"),
            ("Raalte", 52.39, 6.28, "8102", "572"),
        ],
    ),
    "almere": (
        "ALM",
        "blijf-groep",
        [
            ("Almere", 52.37, 5.22, "1315", "36"),
            ("Lelystad", 52.52, 5.47, "8232", "320"),
            ("Dronten", 52.52, 5.72, "8251", "321"),
            ("Emmeloord", 52.71, 5.75, "8301", "527"),
        ],
    ),
    "alkmaar": (
        "ALK",
        "perspektief",
        [
            ("Alkmaar", 52.63, 4.75, "1811", "72"),
            ("Den Helder", 52.96, 4.76, "1781", "223"),
            ("Hoorn", 52.64, 5.06, "1621", "229"),
            ("Heerhugowaard", 52.67, 4.83, "1701", "72"),
        ],
    ),
    "enschede": (
        "ENS",
        "kadera",
        [
            ("Enschede", 52.22, 6.89, "7511", "53"),
            ("Hengelo", 52.27, 6.79, "7551", "74"),
            ("Almelo", 52.36, 6.66, "7601", "546"),
            ("Oldenzaal", 52.31, 6.93, "7571", "541"),
        ],
    ),
    "nijmegen": (
        "NMG",
        "moviera",
        [
            ("Nijmegen", 51.84, 5.85, "6511", "24"),
            ("Wijchen", 51.81, 5.73, "6601", "24"),
            ("Tiel", 51.89, 5.43, "4001", "344"),
            ("Beuningen", 51.86, 5.77, "6641", "24"),
        ],
    ),
    "arnhem": (
        "ARN",
        "moviera",
        [
            ("Arnhem", 51.98, 5.91, "6811", "26"),
            ("Ede", 52.04, 5.66, "6711", "318"),
            ("Wageningen", 51.97, 5.66, "6701", "317"),
            ("Zevenaar", 51.93, 6.07, "6901", "316"),
        ],
    ),
    "s-hertogenbosch": (
        "DBS",
        "veilige-haven-zuid",
        [
            ("'s-Hertogenbosch", 51.69, 5.30, "5211", "73"),
            ("Oss", 51.77, 5.52, "5341", "412"),
            ("Uden", 51.66, 5.62, "5401", "413"),
            ("Vught", 51.65, 5.29, "5261", "73"),
        ],
    ),
    "breda": (
        "BRD",
        "veilige-haven-zuid",
        [
            ("Breda", 51.59, 4.78, "4811", "76"),
            ("Roosendaal", 51.53, 4.46, "4701", "165"),
            ("Bergen op Zoom", 51.49, 4.29, "4611", "164"),
            ("Oosterhout", 51.64, 4.86, "4901", "162"),
            ("Etten-Leur", 51.57, 4.64, "4871", "76"),
        ],
    ),
    "tilburg": (
        "TLB",
        "veilige-haven-zuid",
        [
            ("Tilburg", 51.56, 5.09, "5038", "13"),
            ("Waalwijk", 51.69, 5.07, "5141", "416"),
            ("Oisterwijk", 51.58, 5.19, "5061", "13"),
            ("Dongen", 51.63, 4.94, "5101", "162"),
        ],
    ),
    "maastricht": (
        "MST",
        "veilige-haven-zuid",
        [
            ("Maastricht", 50.85, 5.69, "6211", "43"),
            ("Meerssen", 50.89, 5.75, "6231", "43"),
            ("Eijsden", 50.77, 5.71, "6245", "43"),
        ],
    ),
    "heerlen": (
        "HRL",
        "veilige-haven-zuid",
        [
            ("Heerlen", 50.89, 5.98, "6411", "45"),
            ("Kerkrade", 50.87, 6.06, "6461", "45"),
            ("Sittard", 51.00, 5.87, "6131", "46"),
            ("Brunssum", 50.95, 5.97, "6441", "45"),
        ],
    ),
    "venlo": (
        "VNL",
        "veilige-haven-zuid",
        [
            ("Venlo", 51.37, 6.17, "5911", "77"),
            ("Roermond", 51.19, 5.99, "6041", "475"),
            ("Venray", 51.53, 5.97, "5801", "478"),
            ("Weert", 51.25, 5.71, "6001", "495"),
        ],
    ),
    "leiden": (
        "LDN",
        "kustlicht",
        [
            ("Leiden", 52.16, 4.49, "2311", "71"),
            ("Alphen aan den Rijn", 52.13, 4.66, "2401", "172"),
            ("Katwijk", 52.20, 4.42, "2221", "71"),
            ("Leiderdorp", 52.16, 4.53, "2351", "71"),
        ],
    ),
    "haarlem": (
        "HLM",
        "perspektief",
        [
            ("Haarlem", 52.38, 4.64, "2011", "23"),
            ("Hoofddorp", 52.30, 4.69, "2132", "23"),
            ("IJmuiden", 52.46, 4.62, "1971", "255"),
            ("Heemstede", 52.35, 4.62, "2101", "23"),
        ],
    ),
    "dordrecht": (
        "DDR",
        "arosa",
        [
            ("Dordrecht", 51.81, 4.67, "3311", "78"),
            ("Gorinchem", 51.83, 4.97, "4201", "183"),
            ("Zwijndrecht", 51.82, 4.64, "3331", "78"),
            ("Papendrecht", 51.83, 4.69, "3351", "78"),
        ],
    ),
    "gouda": (
        "GDA",
        "kustlicht",
        [
            ("Gouda", 52.01, 4.71, "2801", "182"),
            ("Waddinxveen", 52.04, 4.65, "2741", "182"),
            ("Bodegraven", 52.08, 4.75, "2411", "172"),
            ("Schoonhoven", 51.95, 4.85, "2871", "182"),
        ],
    ),
    "leeuwarden": (
        "LWD",
        "fier",
        [
            ("Leeuwarden", 53.20, 5.80, "8911", "58"),
            ("Sneek", 53.03, 5.66, "8601", "515"),
            ("Heerenveen", 52.96, 5.92, "8441", "513"),
            ("Drachten", 53.11, 6.10, "9201", "512"),
        ],
    ),
    "emmen": (
        "EMN",
        "schuilplaats-noordoost",
        [
            ("Emmen", 52.79, 6.90, "7811", "591"),
            ("Hoogeveen", 52.72, 6.48, "7901", "528"),
            ("Coevorden", 52.66, 6.74, "7741", "524"),
        ],
    ),
    "assen": (
        "ASN",
        "schuilplaats-noordoost",
        [
            ("Assen", 52.99, 6.56, "9401", "592"),
            ("Meppel", 52.70, 6.19, "7941", "522"),
            ("Zuidlaren", 53.09, 6.68, "9471", "50"),
        ],
    ),
    "apeldoorn": (
        "APD",
        "moviera",
        [
            ("Apeldoorn", 52.21, 5.97, "7311", "55"),
            ("Zutphen", 52.14, 6.20, "7201", "575"),
            ("Harderwijk", 52.35, 5.62, "3841", "341"),
            ("Epe", 52.35, 5.98, "8161", "578"),
        ],
    ),
    "middelburg": (
        "MDB",
        "veilige-haven-zuid",
        [
            ("Middelburg", 51.50, 3.61, "4331", "118"),
            ("Vlissingen", 51.44, 3.57, "4381", "118"),
            ("Goes", 51.50, 3.89, "4461", "113"),
            ("Terneuzen", 51.34, 3.83, "4531", "115"),
        ],
    ),
    "amersfoort": (
        "AMF",
        "moviera",
        [
            ("Amersfoort", 52.16, 5.39, "3811", "33"),
            ("Veenendaal", 52.03, 5.56, "3901", "318"),
            ("Soest", 52.17, 5.29, "3761", "35"),
            ("Barneveld", 52.14, 5.59, "3771", "342"),
        ],
    ),
    "zaanstad": (
        "ZST",
        "blijf-groep",
        [
            ("Zaandam", 52.44, 4.83, "1506", "75"),
            ("Purmerend", 52.50, 4.95, "1441", "299"),
            ("Volendam", 52.50, 5.07, "1131", "299"),
            ("Wormer", 52.50, 4.82, "1531", "75"),
        ],
    ),
    "deventer": (
        "DVT",
        "kadera",
        [
            ("Deventer", 52.26, 6.16, "7411", "570"),
            ("Olst", 52.34, 6.11, "8121", "570"),
            ("Lochem", 52.16, 6.41, "7241", "573"),
        ],
    ),
}

# How many regular locations each care region has: vrouwenopvang, noodbed, jeugdzorg.
_COUNTS = {
    "amsterdam": (4, 3, 2),
    "rotterdam": (4, 3, 1),
    "den-haag": (3, 3, 1),
    "utrecht": (3, 2, 1),
    "eindhoven": (3, 1, 1),
    "groningen": (3, 1, 1),
    "zwolle": (2, 1, 0),
    "almere": (2, 1, 0),
    "alkmaar": (2, 1, 0),
    "enschede": (3, 1, 1),
    "nijmegen": (3, 1, 1),
    "arnhem": (3, 1, 1),
    "s-hertogenbosch": (2, 1, 1),
    "breda": (3, 1, 0),
    "tilburg": (2, 1, 1),
    "maastricht": (3, 1, 0),
    "heerlen": (2, 1, 0),
    "venlo": (2, 1, 1),
    "leiden": (2, 1, 1),
    "haarlem": (3, 1, 0),
    "dordrecht": (2, 1, 0),
    "gouda": (2, 1, 0),
    "leeuwarden": (3, 1, 2),
    "emmen": (2, 1, 0),
    "assen": (2, 1, 0),
    "apeldoorn": (2, 1, 1),
    "middelburg": (2, 1, 0),
    "amersfoort": (2, 1, 1),
    "zaanstad": (2, 1, 1),
    "deventer": (2, 1, 0),
}

# COSM: women (about 50 places nationally, with CoMensha) and men (in Drenthe).
# (region, municipality, organisation, gender, beds, family rooms, room size, intake 24/7)
_COSM = [
    ("amsterdam", "Amsterdam", "hvo-querido", "female", 14, 2, 3, True),
    ("rotterdam", "Rotterdam", "arosa", "female", 12, 0, 0, True),
    ("leeuwarden", "Leeuwarden", "fier", "female", 14, 2, 4, False),
    ("eindhoven", "Eindhoven", "veilige-haven-zuid", "female", 10, 0, 0, False),
    ("assen", "Assen", "schuilplaats-noordoost", "male", 12, 0, 0, True),
    ("emmen", "Emmen", "leger-des-heils", "male", 8, 0, 0, False),
]

# OMP: the 36 places without contra-indications created end 2019 (6 locations x 6 places).
_OMP = [
    ("almere", "Almere", "blijf-groep"),
    ("alkmaar", "Alkmaar", "perspektief"),
    ("amsterdam", "Amsterdam", "hvo-querido"),
    ("enschede", "Enschede", "kadera"),
    ("rotterdam", "Rotterdam", "arosa"),
    ("zwolle", "Zwolle", "leger-des-heils"),
]
_OMP_PLACES = 6

# Mannenopvang: (region, municipality, organisation).
_MANNENOPVANG = [
    ("amsterdam", "Amsterdam", "leger-des-heils"),
    ("rotterdam", "Rotterdam", "leger-des-heils"),
    ("den-haag", "Den Haag", "kustlicht"),
    ("groningen", "Groningen", "schuilplaats-noordoost"),
    ("arnhem", "Arnhem", "leger-des-heils"),
    ("eindhoven", "Eindhoven", "veilige-haven-zuid"),
]

# NLA crisis places for labour exploitation: (region, municipality, beds). Raids bring groups.
_NLA = [
    ("rotterdam", "Spijkenisse", 24),
    ("venlo", "Venlo", 30),
    ("tilburg", "Waalwijk", 20),
    ("eindhoven", "Helmond", 16),
]

# Other places: (region, municipality, organisation, name, genders, exploitation, beds,
# family rooms, room size, excludes).
_ALL_EXPLOITATION = list(vocabulary.EXPLOITATION_TYPES)
_OTHER = [
    (
        "amsterdam",
        "Amsterdam",
        "hvo-querido",
        "Beschermd wonen Amsterdam (HVO-Querido)",
        ["female", "male", "x"],
        _ALL_EXPLOITATION,
        5,
        0,
        0,
        ["aggression"],
    ),
    (
        "rotterdam",
        "Rotterdam",
        "leger-des-heils",
        "Opvang stellen en gezinnen Rotterdam (Leger des Heils)",
        ["female", "male", "x"],
        _ALL_EXPLOITATION,
        0,
        4,
        4,
        ["active_addiction", "aggression"],
    ),
    (
        "utrecht",
        "Utrecht",
        "exodus",
        "Exodus Huis Utrecht",
        ["male"],
        ["labour", "criminal", "other"],
        6,
        0,
        0,
        ["aggression", "psychiatric_crisis"],
    ),
    (
        "nijmegen",
        "Nijmegen",
        "leger-des-heils",
        "Gezinsopvang Nijmegen (Leger des Heils)",
        ["female", "male", "x"],
        _ALL_EXPLOITATION,
        0,
        3,
        5,
        ["active_addiction"],
    ),
    (
        "leeuwarden",
        "Leeuwarden",
        "fier",
        "Fier jongvolwassenen Leeuwarden",
        ["female", "x"],
        ["sexual", "criminal", "other"],
        8,
        0,
        0,
        ["active_addiction"],
    ),
    (
        "haarlem",
        "Haarlem",
        "perspektief",
        "Doorstroomwoningen Haarlem (Perspektief)",
        ["female", "x"],
        _ALL_EXPLOITATION,
        4,
        2,
        3,
        ["active_addiction", "aggression", "psychiatric_crisis"],
    ),
    (
        "deventer",
        "Deventer",
        "exodus",
        "Exodus Huis Deventer",
        ["male"],
        ["labour", "criminal", "other"],
        5,
        0,
        0,
        ["aggression"],
    ),
]

_TYPE_ABBREVIATION = {
    "cosm": "COSM",
    "omp": "OMP",
    "vrouwenopvang": "VO",
    "mannenopvang": "MO",
    "noodbed": "NB",
    "nla_crisis": "NLA",
    "jeugdzorg": "JZ",
    "other": "OV",
}

# Invented street names: plausible-looking, but no shelter's (or anyone's) real address.
_STREETS = [
    "Voorbeeldstraat",
    "Oefenlaan",
    "Demoweg",
    "Proefstraat",
    "Schetsplein",
    "Modelkade",
    "Ontwerpsingel",
    "Testhof",
    "Fictieflaan",
    "Verzinweg",
    "Droomgracht",
    "Schaduwstraat",
]
_POSTCODE_LETTERS = "ABCEGHJKLMNPRTVXZ"  # no S-pairs, no confusing letters

_OFFICE_HOURS = [{"days": [1, 2, 3, 4, 5], "from": "09:00", "to": "17:00"}]
_EXTENDED_HOURS = [
    {"days": [1, 2, 3, 4, 5], "from": "08:30", "to": "22:00"},
    {"days": [6, 7], "from": "10:00", "to": "18:00"},
]
_TYPICAL_EXCLUDES = ["active_addiction", "aggression", "psychiatric_crisis"]


def _ordered(codes, table):
    """Codes in the vocabulary's order, without duplicates (stable output, no set iteration)."""
    return [code for code in table if code in codes]


def _org_name(key):
    name = next(o["name"] for o in ORGANISATIONS if o["key"] == key)
    return name.split(" (")[0]


def _municipality(region, name):
    return next(m for m in _AREAS[region][2] if m[0] == name)


def _bed(capacity):
    return {"key": "bed", "kind": "bed", "capacity": capacity}


def _family(rooms, size):
    return {"key": "family", "kind": "family_room", "capacity": rooms, "room_size": size}


def _entries(rng):
    """Every shelter's profile, in a fixed order, without location details and occupancy."""
    entries = []
    for region, municipality, org, gender, beds, rooms, size, around_the_clock in _COSM:
        pools = [_bed(beds)] + ([_family(rooms, size)] if rooms else [])
        who = "vrouwen" if gender == "female" else "mannen"
        excludes = ["active_addiction", "psychiatric_crisis"] + (["aggression"] if gender == "male" else [])
        entries.append(
            dict(
                region=region,
                municipality=municipality,
                type="cosm",
                organisation=org,
                name=f"COSM {who} {municipality}",
                confidential=True,
                intake="24/7" if around_the_clock else _EXTENDED_HOURS,
                max_stay_days=90,
                genders=[gender],
                adults=True,
                minors=False,
                residence=["lawful", "none"],
                exploitation=_ALL_EXPLOITATION,
                excludes=excludes,
                pools=pools,
            )
        )
    for region, municipality, org in _OMP:
        entries.append(
            dict(
                region=region,
                municipality=municipality,
                type="omp",
                organisation=org,
                name=f"OMP {municipality} ({_org_name(org)})",
                confidential=True,
                intake="24/7",
                max_stay_days=None,
                genders=["female", "male", "x"],
                adults=True,
                minors=False,
                residence=["lawful", "none"],
                exploitation=_ALL_EXPLOITATION,
                excludes=[],
                pools=[_bed(_OMP_PLACES)],
            )
        )
    for region, municipality, org in _MANNENOPVANG:
        entries.append(
            dict(
                region=region,
                municipality=municipality,
                type="mannenopvang",
                organisation=org,
                name=f"Mannenopvang {municipality} ({_org_name(org)})",
                confidential=rng.random() < 0.5,
                intake=rng.choice([_OFFICE_HOURS, _EXTENDED_HOURS]),
                max_stay_days=rng.choice([180, 270, 365]),
                genders=rng.choice([["male"], ["male", "x"]]),
                adults=True,
                minors=False,
                residence=["lawful"],
                exploitation=_ALL_EXPLOITATION,
                excludes=_ordered(
                    rng.sample(_TYPICAL_EXCLUDES, 2) + (["pets"] if rng.random() < 0.5 else []),
                    vocabulary.CONTRA_INDICATIONS,
                ),
                pools=[_bed(rng.randint(4, 12))],
            )
        )
    for region, municipality, beds in _NLA:
        entries.append(
            dict(
                region=region,
                municipality=municipality,
                type="nla_crisis",
                organisation="nla",
                name=f"NLA-crisisopvang {municipality}",
                confidential=True,
                intake="24/7",
                max_stay_days=rng.choice([14, 21, 28]),
                genders=["female", "male"],
                adults=True,
                minors=False,
                residence=["lawful", "none"],
                exploitation=["labour"],
                excludes=rng.choice([[], ["psychiatric_crisis"], ["aggression"]]),
                pools=[_bed(beds)],
            )
        )
    for region, municipality, org, name, genders, exploitation, beds, rooms, size, excludes in _OTHER:
        pools = ([_bed(beds)] if beds else []) + ([_family(rooms, size)] if rooms else [])
        entries.append(
            dict(
                region=region,
                municipality=municipality,
                type="other",
                organisation=org,
                name=name,
                confidential=rng.random() < 0.5,
                intake=rng.choice([_OFFICE_HOURS, _EXTENDED_HOURS]),
                max_stay_days=rng.choice([90, 180, 365, None]),
                genders=genders,
                adults=True,
                minors=False,
                residence=["lawful"] if rng.random() < 0.6 else ["lawful", "none"],
                exploitation=exploitation,
                excludes=_ordered(excludes, vocabulary.CONTRA_INDICATIONS),
                pools=pools,
            )
        )
    for region in CARE_REGION_CODES:
        _prefix, org, municipalities = _AREAS[region]
        n_vo, n_nb, n_jz = _COUNTS[region]
        for i in range(n_vo):
            municipality = municipalities[i % len(municipalities)][0]
            excludes = rng.sample(_TYPICAL_EXCLUDES, rng.choice([2, 3]))
            for extra, chance in (("suicide_risk", 0.3), ("pets", 0.5), ("wheelchair", 0.3), ("medical_care", 0.2)):
                if rng.random() < chance:
                    excludes.append(extra)
            pools = [_bed(rng.randint(6, 24))]
            if rng.random() < 0.75:
                pools.append(_family(rng.randint(2, 8), rng.choice([3, 4, 5])))
            entries.append(
                dict(
                    region=region,
                    municipality=municipality,
                    type="vrouwenopvang",
                    organisation=org,
                    name=f"Vrouwenopvang {municipality} ({_org_name(org)})",
                    confidential=True,
                    intake=rng.choice(["24/7", "24/7", _OFFICE_HOURS, _EXTENDED_HOURS]),
                    max_stay_days=rng.choice([180, 270, 365, None]),
                    genders=rng.choice([["female"], ["female"], ["female", "x"]]),
                    adults=True,
                    minors=False,
                    residence=["lawful"],
                    exploitation=_ALL_EXPLOITATION if rng.random() < 0.7 else ["sexual", "criminal", "other"],
                    excludes=_ordered(excludes, vocabulary.CONTRA_INDICATIONS),
                    pools=pools,
                )
            )
        for _ in range(n_nb):
            municipality = rng.choice(municipalities)[0]
            nb_org = rng.choice(["leger-des-heils", "leger-des-heils", org])
            entries.append(
                dict(
                    region=region,
                    municipality=municipality,
                    type="noodbed",
                    organisation=nb_org,
                    name=f"Noodbed {municipality} ({_org_name(nb_org)})",
                    confidential=rng.random() < 0.5,
                    intake="24/7",
                    max_stay_days=rng.choice([3, 5, 7, 7, 10, 14]),
                    genders=rng.choice(
                        [["female", "male", "x"], ["female", "male", "x"], ["female", "x"], ["male", "x"]]
                    ),
                    adults=True,
                    minors=False,
                    residence=["lawful", "none"],
                    exploitation=_ALL_EXPLOITATION,
                    excludes=["aggression"] if rng.random() < 0.4 else [],
                    pools=[_bed(rng.choice([1, 1, 1, 2]))],
                )
            )
        for i in range(n_jz):
            municipality = municipalities[(i + 1) % len(municipalities)][0]
            if region in ("amsterdam", "zaanstad"):
                jz_org = "levvel"
            elif region in ("leeuwarden", "groningen") or i == 1:
                jz_org = "fier"
            else:
                jz_org = org
            girls_only = jz_org == "fier" or rng.random() < 0.4
            entries.append(
                dict(
                    region=region,
                    municipality=municipality,
                    type="jeugdzorg",
                    organisation=jz_org,
                    name=f"Jeugdzorg {municipality} ({_org_name(jz_org)})",
                    confidential=True,
                    intake=rng.choice(["24/7", "24/7", _EXTENDED_HOURS]),
                    max_stay_days=None,
                    genders=["female"] if girls_only else ["female", "male", "x"],
                    adults=False,
                    minors=True,
                    residence=["lawful", "none"],
                    exploitation=["sexual", "criminal", "other"] if rng.random() < 0.5 else _ALL_EXPLOITATION,
                    excludes=_ordered(
                        ["active_addiction"] + rng.sample(["aggression", "psychiatric_crisis", "suicide_risk"], 1),
                        vocabulary.CONTRA_INDICATIONS,
                    ),
                    pools=[_bed(rng.randint(4, 10))],
                )
            )
    return entries


def _occupy(rng, shelter):
    """Out-of-service places on some pools, then high occupancy; every place taken in FULL_REGIONS."""
    for pool in shelter["pools"]:
        capacity = pool["capacity"]
        out_of_service = rng.randint(1, max(1, capacity // 6)) if capacity >= 4 and rng.random() < 0.12 else 0
        available = capacity - out_of_service
        if shelter["region"] in FULL_REGIONS:
            occupied = available
        else:
            rate = rng.uniform(0.70, 0.95)
            occupied = sum(rng.random() < rate for _ in range(available))
        pool["occupied"], pool["out_of_service"] = occupied, out_of_service


def shelters() -> list[dict]:
    """About 160 shelter locations with pools and occupancy; the same list on every call."""
    rng = random.Random(SEED)
    result, numbers, names = [], {}, {}
    for entry in _entries(rng):
        region = entry["region"]
        prefix = _AREAS[region][0]
        number = numbers[(region, entry["type"])] = numbers.get((region, entry["type"]), 0) + 1
        municipality, lat, lon, postcode, area = _municipality(region, entry["municipality"])
        name = entry["name"]
        names[name] = names.get(name, 0) + 1
        if names[name] > 1:
            name = f"{name} {names[name]}"
        street = rng.choice(_STREETS)
        letters = rng.choice(_POSTCODE_LETTERS) + rng.choice(_POSTCODE_LETTERS)
        place = municipality
        subscriber_digits = 9 - len(area)  # 0 first: never issued, so no real line is rung
        subscriber = "0" + "".join(str(rng.randint(0, 9)) for _ in range(subscriber_digits - 1))
        shelter = {
            "key": f"{prefix}-{_TYPE_ABBREVIATION[entry['type']]}-{number}",
            "name": name,
            "organisation": entry["organisation"],
            "type": entry["type"],
            "region": region,
            "municipality": municipality,
            "lat": round(lat + rng.uniform(-0.015, 0.015), 2),
            "lon": round(lon + rng.uniform(-0.015, 0.015), 2),
            "address": f"{street} {rng.randint(1, 180)}, {postcode} {letters} {place}",
            "confidential": entry["confidential"],
            "intake": entry["intake"]
            if entry["intake"] == "24/7"
            else [{"days": list(w["days"]), "from": w["from"], "to": w["to"]} for w in entry["intake"]],
            "intake_phone": f"+31{area}{subscriber}",
            "max_stay_days": entry["max_stay_days"],
            "admits": {
                "genders": _ordered(entry["genders"], vocabulary.GENDERS),
                "adults": entry["adults"],
                "minors": entry["minors"],
                "residence": _ordered(entry["residence"], vocabulary.RESIDENCE),
                "exploitation": _ordered(entry["exploitation"], vocabulary.EXPLOITATION_TYPES),
            },
            "excludes": list(entry["excludes"]),
            "pools": [dict(pool) for pool in entry["pools"]],
        }
        _occupy(rng, shelter)
        result.append(shelter)
    # Outside FULL_REGIONS every region keeps at least one free place somewhere.
    for region in CARE_REGION_CODES:
        if region in FULL_REGIONS:
            continue
        pools = [p for s in result if s["region"] == region for p in s["pools"]]
        if pools and all(p["capacity"] - p["out_of_service"] - p["occupied"] == 0 for p in pools):
            largest = max(pools, key=lambda p: (p["kind"] == "bed", p["capacity"]))
            largest["occupied"] -= 1
    return result
