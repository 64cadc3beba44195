"""Word lists for the training-data generator (see DATA.md).

All invented: names are common UK given names and surnames, schools, towns and streets are
made-up combinations, phone numbers use Ofcom's drama ranges and e-mail addresses use
reserved domains — the same rules the domain set follows.
"""

CHILD_NAMES = """Amelia Olivia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence
Evie Poppy Elsie Daisy Sienna Harper Ruby Phoebe Maya Aria Luna Esme Matilda Alice Ellie Hallie
Zara Aisha Fatima Maryam Amira Hana Nia Chloe Layla Imogen Molly Erin Orla Niamh Kacper Zofia
Oliver George Noah Arthur Leo Oscar Harry Archie Jack Henry Charlie Freddie Theo Alfie Jacob
Thomas Teddy Finley Reggie Arlo Tommy Ronnie Rory Ezra Louie Mason Max Lucas Hugo Elijah
Muhammad Yusuf Ibrahim Ayaan Zayn Rohan Arjun Dev Kai Jayden Kayden Tyler Callum Kyle Connor
Liam Dylan Reece Bradley Jamal Kofi Tariq Bilal Mateusz Szymon Luca Rocco Ellis Iolo Brodie
Frankie Alfie-Jay Lacey-Mae Tilly Bella Darcy Lottie Maisie Nancy Eliza Penny Ottilie""".split()

SURNAMES = """Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Robinson Thompson
Evans Walker White Roberts Green Hall Wood Jackson Clarke Khan Hussain Ali Ahmed Begum Kowalski
Nowak Murphy O'Brien Kelly Hughes Edwards Turner Hill Moore Cooper Ward Morris Baker Harrison
Okafor Mensah Adeyemi Singh Kaur Shah Chen Nguyen Novak Fraser Campbell Stewart Reid Pearce""".split()

ADULT_NAMES = """Sarah Priya Jade Kerry Ruth Denise Debbie Gareth Josh Dan Adeel Kirsty Margaret Claire
Hayley Sharon Michelle Lisa Karen Julie Emma Gemma Stacey Leanne Joanne Donna Tracey Mark Paul
Steve Darren Wayne Lee Craig Gary Neil Ian Rob Andy Tom Chris Nadia Farah Shabana Rukhsana
Bev Val Linda Pauline Trish Mandy Carol Helen Fiona Amanda Rachel Vicky Becky Tash""".split()

SCHOOLS = """Oakfield Primary|Brookside Primary|St Aelred's|Gorse Hill Primary|Beckside Academy|
Sandpiper Primary|Lark Rise|Holly Bank|Castle View Primary|Marlcombe Juniors|Fernside Infants|
Ashworth Primary|Kirkton Primary|Netherby C of E|Thornfield Academy|Hebbleton Primary|
Glenmuir Primary|Pennington Vale Primary|Rookwood Juniors|St Bede's RC Primary|Willowmere Academy|
Harcourt Lane Primary|Birchfield Infants|Meadowcroft Primary|Elmstead Park Primary|
Copperfield Academy|Bramley Fields Primary|Aberwen Primary|Linthorpe Juniors|Saxon Way Primary""".replace(
    "\n", "").split("|")

PLACES = """Victoria Park|the Co-op on Mill Lane|Ashfield rec|the Meadows estate|Riverside skate park|
Tesco Extra car park|the Greenway|Kirkby Dale playing fields|the library on Church Street|
Moorside Leisure Centre|the bus stop on Station Road|Halfpenny Lane park|the Brambles estate|
Long Meadow woods|the canal path by Lock 4|Hollins Road shops|Westgate McDonald's|the Lidl on Bath Road""".replace(
    "\n", "").split("|")

STREETS = """Rookery Close|Mill Lane|Station Road|Church Street|Beech Avenue|Oak Drive|Hawthorn Way|
Queens Road|Windsor Crescent|Elm Grove|Meadow View|Holly Court|Victoria Street|Chapel Lane|
Park Terrace|Willow Gardens|Cedar Road|Foxglove Close|Kingsway|Brook Street""".replace("\n", "").split("|")

TOWNS = """Hollinsworth|Marsden Heath|Pennington|Kirkby|Netherby|Thornfield|Sedgeley|Brackenfold|
Ashby Moor|Crowhurst|Longbridge|Daleside""".replace("\n", "").split("|")

UNIFORMS = """green jumper with the oak tree badge|navy cardigan with the red logo|yellow polo shirt|
maroon sweatshirt with the gold crest|grey pinafore and red cardigan|royal blue jumper with the ship badge|
bottle green blazer|purple fleece with the school crest""".replace("\n", "").split("|")

YEARS = ["Year 1", "Year 2", "Year 3", "Year 4", "Year 5", "Year 6", "Reception", "Y2", "Y4",
         "Y5", "Y6", "3B", "4C", "5H", "year 3", "yr 5", "Nursery"]
AGES = ["6", "7", "8", "9", "10", "five", "six", "seven", "eight", "nine"]
TIMES = ["at 3.15", "at half 3", "after club on Friday", "on Saturday morning", "at 5 tonight",
         "every Tuesday at 4", "tomorrow at 10", "after school", "on Sunday at 2"]
STAFF_TITLES = ["Miss", "Mrs", "Mr", "Ms"]
RELATIVES = ["son", "daughter", "little one", "boy", "girl", "lad", "eldest", "youngest",
             "grandson", "granddaughter", "nephew", "niece"]
PLATFORM_APPS = ["snap", "snapchat", "insta", "whatsapp", "tiktok", "discord", "kik", "telegram"]
INSULTS = ["idiot", "moron", "useless cow", "stupid bitch", "waste of space", "fat slag",
           "lazy cow", "clueless prat", "pathetic excuse for a manager", "two-faced liar",
           "disgusting pig", "thick as mince", "bellend", "nasty piece of work", "dickhead",
           "absolute joke of a human", "loser", "ugly troll", "pillock", "brainless muppet"]
KID_INSULTS = ["ugly", "fat", "a freak", "a weirdo", "thick", "a little rat", "a loser",
               "smelly", "a brat", "feral", "a nightmare", "a little sh*t"]
TARGETS = ["the manager", "that woman at reception", "the new play leader", "the cook",
           "the lady who runs the Fernside club", "the owner", "whoever runs this page",
           "the deputy", "the breakfast club staff", "the lad on the desk"]
PHONES = ["07700 900{:03d}", "07700900{:03d}", "+44 7700 900{:03d}", "0121 496 0{:03d}",
          "0161 496 0{:03d}", "0113 496 0{:03d}", "07700-900-{:03d}"]
EMAIL_USERS = ["jo.smith", "mum.of.3", "dazza77", "k.patel", "sarah_h", "thebakers", "lou.w",
               "gemma1985", "mike.t", "the.wards"]
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]
POSTCODES = ["HX4 9QT", "LS12 3AB", "B15 2TT", "M14 5RD", "S10 2HP", "NE6 1XX", "WF3 4LQ",
             "BD7 1DP", "SK4 3EJ", "L18 9SN"]
HEALTH = ["epilepsy", "type 1 diabetes", "ADHD", "severe anxiety", "a heart condition",
          "bipolar", "depression", "cancer treatment", "MS", "an eating disorder", "autism",
          "a nut allergy"]

# ---- third batch (TEMPLATES_V3, mix ``v6``). New lists only: the lists above are left
# exactly as they were, so the ``v1`` mix draws the same fills as before.
PETS = """Biscuit|Pickle|Nugget|Peanut|Waffles|Pudding|Sprout|Fudge|Pepper|Custard|Toffee|
Crumble|Bramble|Luna|Max|Teddy|Milo|Rosie|Buster|Coco|Ziggy|Percy|Doris|Kevin""".replace(
    "\n", "").split("|")
PET_KINDS = ["guinea pig", "hamster", "rabbit", "tortoise", "class fish", "stick insect",
             "dog", "cat", "bearded dragon", "chickens"]
CHARACTERS = ["the Gruffalo", "Peppa Pig", "Paddington", "Matilda", "Elsa", "Spider-Man",
              "Bluey and Bingo", "Mr Tumble", "Harry Potter", "the Very Hungry Caterpillar",
              "Horrid Henry", "Tracy Beaker", "Stick Man", "Supertato", "Zog", "Pikachu",
              "Tom Daley", "Joe Wicks", "Bukayo Saka", "Mary Earps", "the Lionesses",
              "David Attenborough", "Julia Donaldson", "Jacqueline Wilson"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
ADULT_HEALTH = ["MS", "long covid", "postnatal depression", "breast cancer",
                "a hip replacement", "endometriosis", "a slipped disc", "Crohn's",
                "gallstones", "fibromyalgia", "a mini stroke", "kidney failure",
                "panic attacks", "sciatica", "a bad back", "shingles", "arthritis",
                "a brain tumour", "an underactive thyroid", "PTSD", "a breakdown", "lupus"]
DISCIPLINE = ["got a written warning", "is on a final warning", "has been suspended",
              "is up for a disciplinary", "got sacked for gross misconduct",
              "was let go after an investigation", "is on gardening leave",
              "had a grievance raised against her", "failed her probation",
              "got demoted", "is off on a sick note while they investigate"]
COURT = ["in the family court", "going through mediation over the kids",
         "in a custody dispute", "waiting on a contact hearing", "back in court over access",
         "fighting over residency", "sorting out a child arrangements order",
         "going through a messy divorce", "in a battle over who has the kids at Christmas"]
ISSUES = ["nobody has answered my emails for two weeks",
          "I was charged twice for the same week",
          "the club shut early and nobody told us",
          "my son's inhaler was left in his bag all week",
          "my daughter was left waiting outside on her own at pick up",
          "the staff spend the whole session on their phones",
          "the kids were given cold toast for tea again",
          "the manager promised to call me back and never did",
          "my booking was cancelled the night before",
          "my refund still hasn't arrived after six weeks",
          "nobody told me my son had been sick",
          "the wrong medicine form was used for my daughter",
          "my son came home with someone else's coat and his has vanished",
          "the holiday club trip was cancelled and we were still charged",
          "they changed the prices halfway through the term",
          "the parent app has taken my money twice and nobody will fix it",
          "my child was told off in front of everyone for something he didn't do",
          "nobody was on the gate when I arrived",
          "my daughter's packed lunch was thrown away",
          "the kids were sat in front of a telly all afternoon"]
OUTLETS = ["Ofsted", "the local paper", "my MP", "the council", "Trading Standards",
           "my solicitor", "Google reviews", "every mums' group in town", "the Echo",
           "the BBC", "TikTok", "Mumsnet", "the ombudsman"]
