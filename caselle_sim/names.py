"""Word lists for generated customers: people, businesses, landlords and streets.

Kept in the package (no Faker) so generation is deterministic for a seed whatever is installed.
The last names include the shapes that trip up name matching in a portal: apostrophes,
spaces, hyphens, particles and mixed case ("O'Brien", "De la Cruz", "Smith-Jones", "McDonald").
"""

FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony",
    "Sandra", "Mark", "Margaret", "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily",
    "Paul", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda", "Brian",
    "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Ronald", "Dorothy", "Jason",
    "Rebecca", "Edward", "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia", "Jacob", "Amy", "Gary",
    "Kathleen", "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Brenda", "Stephen", "Emma",
    "Larry", "Anna", "Justin", "Pamela", "Scott", "Nicole", "Brandon", "Samantha", "Benjamin",
    "Katherine", "Samuel", "Christine", "Gregory", "Helen", "Alexander", "Debra", "Patrick",
    "Rachel", "Frank", "Carolyn", "Raymond", "Janet", "Jack", "Maria", "Dennis", "Olivia",
    "Jerry", "Heather", "Tyler", "Diane", "Aaron", "Julie", "Jose", "Joyce", "Adam", "Victoria",
    "Nathan", "Ruth", "Henry", "Virginia", "Zachary", "Lauren", "Douglas", "Kelly", "Peter",
    "Christina", "Kyle", "Joan", "Noah", "Evelyn", "Ethan", "Judith", "Jeremy", "Andrea",
    "Christian", "Hannah", "Walter", "Megan", "Keith", "Cheryl", "Austin", "Jacqueline", "Roger",
    "Martha", "Terry", "Madison", "Sean", "Teresa", "Gerald", "Gloria", "Carl", "Sara", "Dylan",
    "Janice", "Harold", "Ann", "Jordan", "Kathryn", "Jesse", "Abigail", "Bryan", "Sophia",
    "Lawrence", "Frances", "Arthur", "Jean", "Gabriel", "Alice", "Bruce", "Judy", "Logan",
    "Isabella", "Billy", "Julia", "Joe", "Grace", "Alan", "Amber", "Juan", "Denise", "Elijah",
    "Danielle", "Willie", "Marilyn", "Albert", "Beverly", "Wayne", "Charlotte", "Randy",
    "Natalie", "Mason", "Theresa", "Vincent", "Diana", "Liam", "Brittany", "Roy", "Doris",
    "Bobby", "Kayla", "Caleb", "Alexis", "Bradley", "Lori", "Russell", "Marie", "Lucas",
    "Guadalupe", "Rosa", "Luis", "Carmen", "Miguel", "Ana", "Carlos", "Lucia", "Jorge", "Sofia",
    "Minh", "Linh", "Hiroshi", "Yuki", "Wei", "Mei", "Raj", "Priya", "Ahmed", "Fatima", "Olga",
    "Sven", "Ingrid", "Siobhan", "Declan", "Aroha", "Kai", "LeAnn", "DeShawn", "JoAnn", "Mary Ann",
)

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans",
    "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris",
    "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson",
    "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson",
    "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price",
    "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
    "Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson",
    "Barnes", "Gonzales", "Fisher", "Vasquez", "Simmons", "Romero", "Jordan", "Patterson",
    "Alexander", "Hamilton", "Graham", "Reynolds", "Griffin", "Wallace", "Moreno", "West",
    "Cole", "Hayes", "Bryant", "Herrera", "Gibson", "Ellis", "Tran", "Medina", "Aguilar",
    "Stevens", "Murray", "Ford", "Castro", "Marshall", "Owens", "Harrison", "Fernandez",
    "Woods", "Washington", "Kennedy", "Wells", "Vargas", "Henry", "Chen", "Freeman", "Webb",
    "Tucker", "Guzman", "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter", "Gordon",
    "Mendez", "Silva", "Shaw", "Snyder", "Mason", "Dixon", "Munoz", "Hunt", "Hicks", "Holmes",
    "Palmer", "Wagner", "Black", "Robertson", "Boyd", "Rose", "Stone", "Salazar", "Fox",
    "Warren", "Mills", "Meyer", "Rice", "Schmidt", "Garza", "Daniels", "Ferguson", "Nichols",
    "Stephens", "Soto", "Weaver", "Ryan", "Gardner", "Payne", "Grant", "Dunn", "Kelley",
    "Spencer", "Hawkins", "Arnold", "Pierce", "Vazquez", "Hansen", "Peters", "Santos", "Hart",
    "Bradley", "Knight", "Elliott", "Cunningham", "Duncan", "Armstrong", "Hudson", "Carroll",
    "Lane", "Riley", "Andrews", "Ray", "Berry", "Perkins", "Hoffman", "Johnston", "Matthews",
    "Larsen", "Christensen", "Jensen", "Nielsen", "Sorensen", "Yazzie", "Begay", "Tsosie",
    "Nakamura", "Tanaka", "Wong", "Singh", "Kowalski", "Novak", "Schultz", "Becker", "Lindqvist",
    # Names with the characters and particles a portal must match exactly (case-insensitively).
    "O'Brien", "O'Connor", "O'Neil", "D'Angelo", "D'Souza", "De la Cruz", "De La Rosa",
    "Del Toro", "Van der Berg", "Van Buren", "Von Schmidt", "St. Pierre", "St. John",
    "Smith-Jones", "Garcia-Lopez", "Lloyd-Webber", "Martinez-Ruiz", "Ben-David", "Al-Sayed",
    "McDonald", "MacLeod", "McAllister", "MacKenzie", "LaRue", "DuPont", "LeBlanc", "Le",
    "Ng", "Ó Súilleabháin", "Muñoz", "Peña", "Núñez", "Ibáñez", "Böhm", "Müller",
)

BUSINESS_WORDS: tuple[str, ...] = (
    "Main Street", "Riverside", "Valley", "Mountain View", "Canyon", "Pioneer", "Summit",
    "Cedar", "Eagle", "Sunrise", "Red Rock", "Frontier", "Heritage", "Liberty", "Granite",
    "Prairie", "Lakeview", "Aspen", "Golden Spike", "Desert Bloom",
)

BUSINESS_KINDS: tuple[str, ...] = (
    "Diner", "Auto Repair", "Dental", "Laundromat", "Car Wash", "Market", "Hardware",
    "Veterinary Clinic", "Motel", "Bakery", "Brewing Co", "Feed & Supply", "Family Medicine",
    "Storage", "Fitness", "Church", "Elementary School", "Credit Union", "Pizza", "Salon",
)

BUSINESS_SUFFIXES: tuple[str, ...] = ("", "", " LLC", " Inc", " Co")

LANDLORD_COMPANY_KINDS: tuple[str, ...] = (
    "Property Management", "Rentals LLC", "Properties", "Holdings LLC", "Realty",
    "Housing Authority",
)

STREET_NAMES: tuple[str, ...] = (
    "Main", "Center", "Oak", "Maple", "Cedar", "Pine", "Elm", "Willow", "Birch", "Aspen",
    "Cottonwood", "Juniper", "Sage", "Canyon", "Ridge", "Mesa", "River", "Lake", "Park", "Hill",
    "Washington", "Lincoln", "Jefferson", "Madison", "Jackson", "Grant", "Pioneer", "Mill",
    "Church", "School", "Railroad", "Depot", "Orchard", "Meadow", "Sunset", "Sunrise",
    "Highland", "Valley", "Spring", "Fairway", "Mountain View", "Eagle", "Hawk", "Quail",
    "Bridger", "Sawtooth", "Bonneville", "Desert Rose", "Red Cliff", "Granite",
)

STREET_SUFFIXES: tuple[str, ...] = (
    "St", "St", "Ave", "Ave", "Dr", "Ln", "Way", "Rd", "Ct", "Cir", "Pl", "Blvd",
)

DIRECTIONS: tuple[str, ...] = ("", "", "", "N ", "S ", "E ", "W ")

EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org")

STATES: tuple[tuple[str, str], ...] = (
    ("UT", "84"), ("ID", "83"), ("CO", "81"), ("WY", "82"), ("MT", "59"), ("NM", "87"),
    ("AZ", "85"), ("NV", "89"), ("OR", "97"), ("WA", "99"),
)
